// The signed-in person's token pair, kept in localStorage so a reload stays signed in.
export interface Tokens {
  access_token: string;
  refresh_token: string;
}

const KEY = "mastermind.tokens";
type Listener = (tokens: Tokens | null) => void;
const listeners = new Set<Listener>();

export function getTokens(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

export function setTokens(tokens: Tokens | null): void {
  if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
  else localStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(tokens));
}

export function onTokensChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

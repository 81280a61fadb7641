// The one openapi-fetch client: bearer header, one refresh on 401 (shared by concurrent
// requests), then back to the sign-in page.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { apiBaseUrl } from "../config";
import { getTokens, setTokens, type Tokens } from "./tokens";

let onAuthLost: () => void = () => {};
/** Called when the session cannot be refreshed (the app navigates to /login). */
export function setAuthLostHandler(handler: () => void): void {
  onAuthLost = handler;
}

let refreshing: Promise<Tokens | null> | null = null;

/** Spends the refresh token once; concurrent callers share the same attempt. */
export function refreshTokens(): Promise<Tokens | null> {
  if (!refreshing) {
    refreshing = (async () => {
      const current = getTokens();
      if (!current) return null;
      try {
        const response = await fetch(`${apiBaseUrl()}/api/v1/auth/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: current.refresh_token }),
        });
        if (!response.ok) return null;
        const pair = (await response.json()) as Tokens;
        setTokens({ access_token: pair.access_token, refresh_token: pair.refresh_token });
        return pair;
      } catch {
        return null;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** After a failed refresh: forget the tokens and send the user to sign in. */
export function authLost(): void {
  setTokens(null);
  onAuthLost();
}

const retryable = new WeakMap<Request, Request>();
const isAuthCall = (url: string) => /\/api\/v1\/auth\/(token|refresh|register)$/.test(new URL(url).pathname);

export const authMiddleware: Middleware = {
  onRequest({ request }) {
    const tokens = getTokens();
    if (tokens && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${tokens.access_token}`);
    }
    // Keep an unread copy so the request can be sent again after a refresh.
    if (tokens && !isAuthCall(request.url)) retryable.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || isAuthCall(request.url)) return response;
    const copy = retryable.get(request);
    if (!copy) return response;
    const sent = request.headers.get("Authorization");
    const stored = getTokens();
    // Another request (or tab) may already have refreshed: use its token before spending ours.
    const fresh =
      stored && `Bearer ${stored.access_token}` !== sent ? stored : await refreshTokens();
    if (!fresh) {
      authLost();
      return response;
    }
    copy.headers.set("Authorization", `Bearer ${fresh.access_token}`);
    const retried = await fetch(copy);
    if (retried.status === 401) authLost();
    return retried;
  },
};

export function makeClient(baseUrl = apiBaseUrl()) {
  const client = createClient<paths>({
    baseUrl: baseUrl || globalThis.location?.origin || "",
    // Resolved per call, so tests (and polyfills) can replace fetch after start-up.
    fetch: (request: Request) => globalThis.fetch(request),
  });
  client.use(authMiddleware);
  return client;
}

export const api = makeClient();

/** A fresh Idempotency-Key for one POST (a retried request reuses the one it was sent with). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

// Where the API lives: runtime config.js first, then the build-time VITE_API_BASE_URL, else
// same origin ("" — the API serving the built SPA).
declare global {
  interface Window {
    MASTERMIND_CONFIG?: { apiBaseUrl?: string };
  }
}

export function apiBaseUrl(): string {
  const runtime = typeof window !== "undefined" ? window.MASTERMIND_CONFIG?.apiBaseUrl : undefined;
  const value = runtime ?? import.meta.env.VITE_API_BASE_URL ?? "";
  return value.replace(/\/+$/, "");
}

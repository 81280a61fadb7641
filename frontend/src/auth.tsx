// Sign-in state for the app: the token pair, sign in/out, registering an organization, and
// the route guard. These calls go around the API client: they make the tokens it sends.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { apiBaseUrl } from "./config";
import { getTokens, onTokensChange, setTokens, type Tokens } from "./api/tokens";
import { ApiError } from "./api/problem";
import type { Schemas } from "./api/types";

interface AuthState {
  signedIn: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  /** Registers a new organization with its first admin, who is then signed in. */
  register: (body: Schemas["RegisterRequest"]) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [tokens, setState] = useState<Tokens | null>(getTokens);
  const queryClient = useQueryClient();
  useEffect(() => onTokensChange(setState), []);

  const value: AuthState = {
    signedIn: tokens !== null,
    async signIn(email, password) {
      const response = await fetch(`${apiBaseUrl()}/api/v1/auth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: email, password }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body, response.headers);
      queryClient.clear();
      setTokens({ access_token: body.access_token, refresh_token: body.refresh_token });
    },
    async register(registration) {
      const response = await fetch(`${apiBaseUrl()}/api/v1/auth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(registration),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body, response.headers);
      queryClient.clear();
      setTokens({ access_token: body.tokens.access_token, refresh_token: body.tokens.refresh_token });
    },
    async signOut() {
      const current = getTokens();
      setTokens(null);
      queryClient.clear();
      if (current) {
        await fetch(`${apiBaseUrl()}/api/v1/auth/logout`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${current.access_token}` },
          body: JSON.stringify({ refresh_token: current.refresh_token }),
        }).catch(() => undefined);
      }
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { signedIn } = useAuth();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />; // i18n-ignore
  }
  return <>{children}</>;
}

import { describe, expect, it, vi } from "vitest";
import { makeClient, setAuthLostHandler } from "./client";
import { getTokens, setTokens } from "./tokens";
import { json } from "../test/render";

const BASE = "http://api.test";

function bearer(input: Request): string | null {
  return input.headers.get("Authorization");
}

describe("api client auth", () => {
  it("sends the bearer token", async () => {
    setTokens({ access_token: "a1", refresh_token: "r1" });
    const fetchMock = vi.fn(async (_req: Request) => json({ id: "me" }));
    vi.stubGlobal("fetch", fetchMock);
    const { data } = await makeClient(BASE).GET("/api/v1/users/me");
    expect(data).toEqual({ id: "me" });
    expect(bearer(fetchMock.mock.calls[0][0])).toBe("Bearer a1");
  });

  it("refreshes once on 401 and retries with the new token", async () => {
    setTokens({ access_token: "old", refresh_token: "r1" });
    const seen: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request | string, init?: RequestInit) => {
        const url = typeof input === "string" ? input : input.url;
        if (url.endsWith("/auth/refresh")) {
          expect(JSON.parse(String(init?.body))).toEqual({ refresh_token: "r1" });
          return json({ access_token: "new", refresh_token: "r2", token_type: "bearer", expires_in: 900 });
        }
        const auth = bearer(input as Request) ?? "";
        seen.push(auth);
        return auth === "Bearer new" ? json({ items: [], next_cursor: null }) : json({ detail: "expired" }, 401);
      }),
    );
    const client = makeClient(BASE);
    // Two requests fail at once: they must share one refresh (a second would spend r2's parent).
    const [a, b] = await Promise.all([client.GET("/api/v1/clients"), client.GET("/api/v1/projects")]);
    expect(a.data).toEqual({ items: [], next_cursor: null });
    expect(b.data).toEqual({ items: [], next_cursor: null });
    const refreshCalls = (fetch as ReturnType<typeof vi.fn>).mock.calls.filter(([i]) => String(typeof i === "string" ? i : i.url).endsWith("/auth/refresh"));
    expect(refreshCalls).toHaveLength(1);
    expect(getTokens()).toEqual({ access_token: "new", refresh_token: "r2" });
    expect(seen.filter((s) => s === "Bearer old")).toHaveLength(2);
  });

  it("goes back to sign-in when the refresh fails", async () => {
    setTokens({ access_token: "old", refresh_token: "spent" });
    const lost = vi.fn();
    setAuthLostHandler(lost);
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request | string) => {
        const url = typeof input === "string" ? input : input.url;
        return url.endsWith("/auth/refresh") ? json({ detail: "Refresh token reused" }, 401) : json({ detail: "expired" }, 401);
      }),
    );
    const result = await makeClient(BASE).GET("/api/v1/users/me");
    expect(result.response.status).toBe(401);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(getTokens()).toBeNull();
  });

  it("does not refresh without a session or for the sign-in call itself", async () => {
    const fetchMock = vi.fn(async () => json({ detail: "Incorrect email or password" }, 401));
    vi.stubGlobal("fetch", fetchMock);
    const result = await makeClient(BASE).POST("/api/v1/auth/token", {
      body: { username: "x@example.com", password: "nope" },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    });
    expect(result.response.status).toBe(401);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});

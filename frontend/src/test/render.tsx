// Renders a component inside the app's providers, on a memory router.
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { vi } from "vitest";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";

export function renderWithProviders(ui: ReactNode, { route = "/" }: { route?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, queryClient };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type, ...headers } });
}

export interface StubCall {
  method: string;
  path: string;
  body: unknown;
}

type Reply = unknown | Response;

/** Replaces fetch with a tiny API: the first handler whose method and pattern match the
 * path (with query) answers, with JSON or a Response; anything else is a 404 problem.
 * Returns the calls made, bodies parsed. */
export function stubApi(handlers: [string, RegExp, (request: Request) => Reply | Promise<Reply>][]): StubCall[] {
  const calls: StubCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request | string, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init);
      const url = new URL(request.url);
      const path = url.pathname + url.search;
      const text = request.method === "GET" ? "" : await request.clone().text();
      let body: unknown = text || undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // a form-encoded body (sign-in) stays text
      }
      calls.push({ method: request.method, path, body });
      for (const [method, pattern, reply] of handlers) {
        if (method === request.method && pattern.test(path)) {
          const answer = await reply(request);
          return answer instanceof Response ? answer : json(answer);
        }
      }
      return json({ title: "Not Found", status: 404, detail: `No stub for ${request.method} ${path}` }, 404);
    }),
  );
  return calls;
}

// Shared queries used across screens: the signed-in person and the people of the organization.
import { useQuery } from "@tanstack/react-query";
import { api } from "./client";
import { keys } from "./keys";
import { unwrap } from "./problem";
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type Me = Schemas["CurrentUserRead"];
export type User = Schemas["UserRead"];

export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => unwrap(await api.GET("/api/v1/users/me")),
    staleTime: 60_000,
  });
}

/** Everyone in the organization (all pages), for pickers and for names by id. */
export function useUsers() {
  return useQuery({
    queryKey: keys.users.list({ all: true }),
    queryFn: async () => {
      const users: User[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(await api.GET("/api/v1/users", { params: { query: { limit: 200, cursor } } }));
        users.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return users;
    },
    staleTime: 60_000,
  });
}

export function useUserNames(): (id: string | null | undefined) => string {
  const { data } = useUsers();
  return (id) => (id ? (data?.find((user) => user.id === id)?.full_name ?? "—") : "—");
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

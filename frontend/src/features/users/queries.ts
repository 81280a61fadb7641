// People: the signed-in person, everyone in the organization (all pages, for pickers and
// names by id), adding a person and changing one (role, active), and one's own profile.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { teamKeys } from "../teams/queries";

export type Me = Schemas["CurrentUserRead"];
export type User = Schemas["UserRead"];

export const userKeys = {
  all: ["users"] as const,
  me: ["users", "me"] as const,
  everyone: ["users", "everyone"] as const,
};

export function useMe() {
  return useQuery({
    queryKey: userKeys.me,
    queryFn: async () => unwrap(await api.GET("/api/v1/users/me")),
    staleTime: 60_000,
  });
}

/** Everyone in the organization, every page. */
export function useUsers() {
  return useQuery({
    queryKey: userKeys.everyone,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/users", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
    staleTime: 60_000,
  });
}

export function useUserNames(): (id: string | null | undefined) => string {
  const { data } = useUsers();
  return (id) => (id ? (data?.find((user) => user.id === id)?.full_name ?? "—") : "—");
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["UserCreate"]) => unwrap(await api.POST("/api/v1/users", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** A person's role or active flag: their name and seniority also show on team cards. */
export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: Schemas["UserUpdate"] }) =>
      unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: userKeys.all });
      queryClient.invalidateQueries({ queryKey: teamKeys.all });
    },
  });
}

/** The signed-in person's own profile (name, reading, language, expertise, or a new password
 * with the current one). A new password ends this device's access token too: the client's
 * refresh-on-401 gets a new one on the next request, as the API intends. */
export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ProfileUpdate"]) => unwrap(await api.PATCH("/api/v1/users/me", { body })),
    onSuccess: (saved, body) => {
      queryClient.setQueryData(userKeys.me, saved);
      // Read again at once after a new password: the 401 renews this device's token now.
      if (body.password) queryClient.invalidateQueries({ queryKey: userKeys.me });
      // Names and expertise show in pickers and on team cards.
      queryClient.invalidateQueries({ queryKey: userKeys.everyone });
      queryClient.invalidateQueries({ queryKey: teamKeys.all });
    },
  });
}

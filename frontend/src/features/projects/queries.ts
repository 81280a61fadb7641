// Projects: a page of the list, one project with its members, progress (budgets, counts) and
// suggested helpers; opening, closing, inviting a helper. Everything of one project sits
// under projectKeys.one(id), so "this project changed" is one invalidation.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { QueryOf, Schemas } from "../../api/types";
import { clientKeys } from "../clients/queries";
import { dashboardKeys } from "../dashboard/queries";

export type Project = Schemas["ProjectRead"];

export const projectKeys = {
  all: ["projects"] as const,
  lists: ["projects", "list"] as const,
  list: (params: QueryOf<"/api/v1/projects">) => ["projects", "list", params] as const,
  one: (id: string) => ["projects", "one", id] as const,
  members: (id: string) => ["projects", "one", id, "members"] as const,
  progress: (id: string) => ["projects", "one", id, "progress"] as const,
  suggested: (id: string) => ["projects", "one", id, "suggested-helpers"] as const,
};

export function useProjects(params: QueryOf<"/api/v1/projects">) {
  return useQuery({
    queryKey: projectKeys.list(params),
    queryFn: async () => unwrap(await api.GET("/api/v1/projects", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** Every project of a client (all pages). */
export function useClientProjects(clientId: string) {
  const params = { client_id: clientId };
  return useQuery({
    queryKey: projectKeys.list(params),
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/projects", { params: { query: { ...params, limit: PAGE_LIMIT, cursor } } })),
  });
}

export function useProject(projectId: string | null | undefined) {
  return useQuery({
    queryKey: projectKeys.one(projectId ?? ""),
    enabled: !!projectId,
    queryFn: async () => unwrap(await api.GET("/api/v1/projects/{project_id}", { params: { path: { project_id: projectId! } } })),
  });
}

export function useProjectMembers(projectId: string) {
  return useQuery({
    queryKey: projectKeys.members(projectId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/projects/{project_id}/members", { params: { path: { project_id: projectId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

export function useProgress(projectId: string) {
  return useQuery({
    queryKey: projectKeys.progress(projectId),
    queryFn: async () => unwrap(await api.GET("/api/v1/projects/{project_id}/progress", { params: { path: { project_id: projectId } } })),
  });
}

export function useSuggestedHelpers(projectId: string) {
  return useQuery({
    queryKey: projectKeys.suggested(projectId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/projects/{project_id}/suggested-helpers", { params: { path: { project_id: projectId }, query: { limit: 5 } } }),
      ).items,
  });
}

/** A new project changes the lists, its client's open-project count and My day. */
export function useCreateProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ProjectCreate"]) =>
      unwrap(await api.POST("/api/v1/projects", { params: { header: { "Idempotency-Key": newIdempotencyKey() } }, body })),
    onSuccess: () => {
      for (const key of [projectKeys.all, clientKeys.all, dashboardKeys.all]) queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

/** Closing changes the same as opening: lists, the client's open count, My day. */
export function useCloseProject(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ProjectClose"]) =>
      unwrap(await api.POST("/api/v1/projects/{project_id}/close", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => {
      for (const key of [projectKeys.all, clientKeys.all, dashboardKeys.all]) queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

/** An invited helper joins the members and budgets and leaves the suggestions. */
export function useInviteHelper(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (userId: string) =>
      unwrap(
        await api.POST("/api/v1/projects/{project_id}/members", {
          params: { path: { project_id: projectId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body: { user_id: userId, role: "helper" },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: projectKeys.one(projectId) }),
  });
}

// Sessions: a page of the list, a project's sessions, one session, who is present, its
// outcome and takeaways; scheduling, starting or cancelling, completing. Everything of one
// session sits under sessionKeys.one(id).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { QueryOf, Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { ledgerKeys } from "../ledger/queries";
import { projectKeys } from "../projects/queries";

export type Session = Schemas["SessionRead"];
export type Presence = Schemas["PresenceRead"];

export const sessionKeys = {
  all: ["sessions"] as const,
  list: (params: QueryOf<"/api/v1/sessions">) => ["sessions", "list", params] as const,
  ofProject: (projectId: string) => ["sessions", "project", projectId] as const,
  one: (id: string) => ["sessions", "one", id] as const,
  presence: (id: string) => ["sessions", "one", id, "presence"] as const,
  outcome: (id: string) => ["sessions", "one", id, "outcome"] as const,
  takeaways: (id: string) => ["sessions", "one", id, "takeaways"] as const,
};

export function useSessions(params: QueryOf<"/api/v1/sessions">) {
  return useQuery({
    queryKey: sessionKeys.list(params),
    queryFn: async () => unwrap(await api.GET("/api/v1/sessions", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** Every session of a project (all pages). */
export function useProjectSessions(projectId: string) {
  return useQuery({
    queryKey: sessionKeys.ofProject(projectId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/projects/{project_id}/sessions", { params: { path: { project_id: projectId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

export function useSession(sessionId: string) {
  return useQuery({
    queryKey: sessionKeys.one(sessionId),
    queryFn: async () => unwrap(await api.GET("/api/v1/sessions/{session_id}", { params: { path: { session_id: sessionId } } })),
  });
}

/** Who is in the room (holds its live stream open) and their measured minutes. The stream's
 * presence.changed events flip `online` at once; the minutes are read again every 30 s while
 * the session is live. */
export function usePresence(sessionId: string, live: boolean) {
  return useQuery({
    queryKey: sessionKeys.presence(sessionId),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/sessions/{session_id}/presence", { params: { path: { session_id: sessionId } } })).items,
    refetchInterval: live ? 30_000 : false,
  });
}

export function useOutcome(sessionId: string) {
  return useQuery({
    queryKey: sessionKeys.outcome(sessionId),
    queryFn: async () => unwrap(await api.GET("/api/v1/sessions/{session_id}/outcome", { params: { path: { session_id: sessionId } } })),
  });
}

export function useTakeaways(sessionId: string) {
  return useQuery({
    queryKey: sessionKeys.takeaways(sessionId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/sessions/{session_id}/takeaways", { params: { path: { session_id: sessionId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

export function useWriteTakeaway(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: string) =>
      unwrap(await api.POST("/api/v1/sessions/{session_id}/takeaways", { params: { path: { session_id: sessionId } }, body: { body } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKeys.takeaways(sessionId) }),
  });
}

/** A session's schedule or status shows in the session lists, My day and the project's counts. */
function invalidateSessionViews(queryClient: ReturnType<typeof useQueryClient>, projectId: string) {
  for (const key of [sessionKeys.all, dashboardKeys.all, projectKeys.progress(projectId)]) queryClient.invalidateQueries({ queryKey: key });
}

export function useScheduleSession(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["SessionCreate"]) =>
      unwrap(
        await api.POST("/api/v1/projects/{project_id}/sessions", {
          params: { path: { project_id: projectId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
    onSuccess: () => invalidateSessionViews(queryClient, projectId),
  });
}

/** Start or cancel: the answer is the session as it is now. */
export function useSessionTransition(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (action: "start" | "cancel") => {
      const params = { path: { session_id: sessionId } };
      return unwrap(
        action === "start"
          ? await api.POST("/api/v1/sessions/{session_id}/start", { params })
          : await api.POST("/api/v1/sessions/{session_id}/cancel", { params }),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(sessionKeys.one(sessionId), updated);
      invalidateSessionViews(queryClient, updated.project_id);
    },
  });
}

/** Completing credits minutes: the ledger, My day and every project's budgets change. */
export function useCompleteSession(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["SessionComplete"]) =>
      unwrap(await api.POST("/api/v1/sessions/{session_id}/complete", { params: { path: { session_id: sessionId } }, body })),
    onSuccess: () => {
      for (const key of [sessionKeys.all, ledgerKeys.all, dashboardKeys.all, projectKeys.all]) queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

// Action items: a project's list, creating one (on the project page or from a contribution in
// the room) and changing one's status (My day, the project page and the outcome share one
// hook). An item shows on its project (list and progress counts), on its session's outcome,
// on My day and on the Team screen, so every change refreshes all of those.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { projectKeys } from "../projects/queries";
import { sessionKeys } from "../sessions/queries";

export type ActionItem = Schemas["ActionItemRead"];

export const actionItemKeys = {
  all: ["action-items"] as const,
  ofProject: (projectId: string) => ["action-items", "project", projectId] as const,
};

export function useProjectActionItems(projectId: string) {
  return useQuery({
    queryKey: actionItemKeys.ofProject(projectId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/projects/{project_id}/action-items", { params: { path: { project_id: projectId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

/** The one invalidation rule for a changed action item: every view that shows it. */
export function invalidateActionItem(queryClient: QueryClient, item: Pick<ActionItem, "project_id" | "session_id">): void {
  const keys: (readonly unknown[])[] = [actionItemKeys.ofProject(item.project_id), projectKeys.progress(item.project_id), dashboardKeys.all];
  if (item.session_id) keys.push(sessionKeys.outcome(item.session_id));
  for (const key of keys) queryClient.invalidateQueries({ queryKey: key });
}

export function useCreateActionItem(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ActionItemCreate"]) =>
      unwrap(
        await api.POST("/api/v1/projects/{project_id}/action-items", {
          params: { path: { project_id: projectId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
    onSuccess: (created) => invalidateActionItem(queryClient, created),
  });
}

/** Marks an item done, open again, or cancelled. */
export function useSetActionItemStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, status }: { id: string; status: Schemas["ActionItemStatus"] }) =>
      unwrap(await api.PATCH("/api/v1/action-items/{action_item_id}", { params: { path: { action_item_id: id } }, body: { status } })),
    onSuccess: (updated) => invalidateActionItem(queryClient, updated),
  });
}

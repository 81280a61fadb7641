// Time logged on a project: counts against the helper's budget (progress), in the ledger and on
// My day.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { ledgerKeys } from "../ledger/queries";
import { projectKeys } from "../projects/queries";

export const timeEntryKeys = {
  all: ["time-entries"] as const,
  ofProject: (projectId: string) => ["time-entries", "project", projectId] as const,
};

export function useLogTime(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["TimeEntryCreate"]) =>
      unwrap(
        await api.POST("/api/v1/projects/{project_id}/time-entries", {
          params: { path: { project_id: projectId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
    onSuccess: () => {
      for (const key of [projectKeys.progress(projectId), timeEntryKeys.ofProject(projectId), ledgerKeys.all, dashboardKeys.all])
        queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

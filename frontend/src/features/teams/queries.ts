// Teams: the list (every page), creating one, its members, deleting it. A team change also
// changes the manager's Team screen (dashboard) and the ledger's team filter.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { ledgerKeys } from "../ledger/queries";

export const teamKeys = {
  all: ["teams"] as const,
};

export function useTeams({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: teamKeys.all,
    enabled,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/teams", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

function useTeamMutation<V, R>(mutationFn: (variables: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: () => {
      for (const key of [teamKeys.all, dashboardKeys.all, ledgerKeys.all]) queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

export function useCreateTeam() {
  return useTeamMutation(async (body: Schemas["TeamCreate"]) => unwrap(await api.POST("/api/v1/teams", { body })));
}

export function useAddTeamMember(teamId: string) {
  return useTeamMutation(async (userId: string) =>
    unwrap(await api.PUT("/api/v1/teams/{team_id}/members/{user_id}", { params: { path: { team_id: teamId, user_id: userId } } })),
  );
}

export function useRemoveTeamMember(teamId: string) {
  return useTeamMutation(async (userId: string) =>
    unwrap(await api.DELETE("/api/v1/teams/{team_id}/members/{user_id}", { params: { path: { team_id: teamId, user_id: userId } } })),
  );
}

export function useDeleteTeam(teamId: string) {
  return useTeamMutation(async () => unwrap(await api.DELETE("/api/v1/teams/{team_id}", { params: { path: { team_id: teamId } } })));
}

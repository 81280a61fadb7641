// A session's board: its contributions (every page, then kept current from the live stream),
// posting one, voting, and the owner's adopt / park / reject. Answers go straight into the
// cached board; a decision also changes the outcome's adopted list.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { sessionKeys } from "../sessions/queries";

export type Contribution = Schemas["ContributionRead"];

export const contributionKeys = {
  all: ["contributions"] as const,
  ofSession: (sessionId: string) => ["contributions", "session", sessionId] as const,
};

export function useContributions(sessionId: string) {
  return useQuery({
    queryKey: contributionKeys.ofSession(sessionId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/sessions/{session_id}/contributions", { params: { path: { session_id: sessionId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

export function usePostContribution(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ContributionCreate"]) =>
      unwrap(
        await api.POST("/api/v1/sessions/{session_id}/contributions", {
          params: { path: { session_id: sessionId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
    // The stream may have delivered it first.
    onSuccess: (created) =>
      queryClient.setQueryData<Contribution[]>(contributionKeys.ofSession(sessionId), (list) =>
        list && !list.some((c) => c.id === created.id) ? [...list, created] : list,
      ),
  });
}

/** Votes for `c`, or takes the vote back when it is already mine. */
export function useVote(c: Contribution) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const params = { path: { contribution_id: c.id } };
      return unwrap(
        c.voted_by_me
          ? await api.DELETE("/api/v1/contributions/{contribution_id}/vote", { params })
          : await api.POST("/api/v1/contributions/{contribution_id}/vote", { params }),
      );
    },
    onSuccess: (updated) =>
      queryClient.setQueryData<Contribution[]>(contributionKeys.ofSession(c.session_id), (list) =>
        list?.map((x) => (x.id === c.id ? { ...x, votes: updated.votes, voted_by_me: updated.voted_by_me } : x)),
      ),
  });
}

export function useSetContributionStatus(c: Contribution) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (status: Schemas["ContributionStatus"]) =>
      unwrap(await api.PATCH("/api/v1/contributions/{contribution_id}", { params: { path: { contribution_id: c.id } }, body: { status } })),
    onSuccess: (updated) => {
      queryClient.setQueryData<Contribution[]>(contributionKeys.ofSession(c.session_id), (list) => list?.map((x) => (x.id === c.id ? updated : x)));
      queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(c.session_id) });
    },
  });
}

/** After the client meeting: what an adopted idea did (the outcome shows it). */
export function useSetVerdict(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, verdict, note }: { id: string; verdict: Schemas["Verdict"]; note: string }) =>
      unwrap(await api.POST("/api/v1/contributions/{contribution_id}/verdict", { params: { path: { contribution_id: id } }, body: { verdict, note } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(sessionId) }),
  });
}

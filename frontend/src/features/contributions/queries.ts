// A session's board: its contributions (every page, then kept current from the live stream)
// and, in a mastermind's write phase, how many of others' cards are still hidden; posting
// one, voting, merging a duplicate, and the owner's adopt / park / reject. Answers go
// straight into the cached board; a decision also changes the outcome's adopted list.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPagesWithFirst, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { sessionKeys } from "../sessions/queries";

export type Contribution = Schemas["ContributionRead"];

/** What the room shows: the cards this person may see, and a count of the others'. */
export interface Board {
  items: Contribution[];
  hidden_count: number;
}

/** Changes the cached board's cards (nothing when it is not loaded). */
export function updateCards(
  queryClient: ReturnType<typeof useQueryClient>,
  sessionId: string,
  change: (items: Contribution[]) => Contribution[],
): void {
  queryClient.setQueryData<Board>(contributionKeys.ofSession(sessionId), (board) => (board ? { ...board, items: change(board.items) } : board));
}

export const contributionKeys = {
  all: ["contributions"] as const,
  ofSession: (sessionId: string) => ["contributions", "session", sessionId] as const,
  awaitingVerdict: ["contributions", "awaiting-verdict"] as const,
  awaitingVerdictOf: (projectId: string) => ["contributions", "awaiting-verdict", projectId] as const,
};

export function useContributions(sessionId: string) {
  return useQuery({
    queryKey: contributionKeys.ofSession(sessionId),
    queryFn: async (): Promise<Board> => {
      const { items, first } = await fetchAllPagesWithFirst((cursor) =>
        api.GET("/api/v1/sessions/{session_id}/contributions", { params: { path: { session_id: sessionId }, query: { limit: PAGE_LIMIT, cursor } } }),
      );
      return { items, hidden_count: first.hidden_count ?? 0 };
    },
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
    onSuccess: (created) => updateCards(queryClient, sessionId, (list) => (list.some((c) => c.id === created.id) ? list : [...list, created])),
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
      updateCards(queryClient, c.session_id, (list) => list.map((x) => (x.id === c.id ? { ...x, votes: updated.votes, voted_by_me: updated.voted_by_me } : x))),
  });
}

export function useSetContributionStatus(c: Contribution) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (status: Schemas["ContributionStatus"]) =>
      unwrap(await api.PATCH("/api/v1/contributions/{contribution_id}", { params: { path: { contribution_id: c.id } }, body: { status } })),
    onSuccess: (updated) => {
      updateCards(queryClient, c.session_id, (list) => list.map((x) => (x.id === c.id ? updated : x)));
      queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(c.session_id) });
    },
  });
}

/** After the client meeting: what an adopted idea did. Its session's outcome shows it, and
 * it no longer waits for a verdict (the debrief's list, whichever project it is). */
export function useSetVerdict() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, verdict, note }: { id: string; verdict: Schemas["Verdict"]; note: string }) =>
      unwrap(await api.POST("/api/v1/contributions/{contribution_id}/verdict", { params: { path: { contribution_id: id } }, body: { verdict, note } })),
    onSuccess: (updated) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(updated.session_id) }),
        queryClient.invalidateQueries({ queryKey: contributionKeys.awaitingVerdict }),
      ]),
  });
}

export type IdeaAwaitingVerdict = Schemas["IdeaAwaitingVerdict"];

/** The project's adopted ideas of earlier sessions with no verdict yet (every page), and
 * whether the caller may record one (the API says: the owner, managers, admins). */
export function useIdeasAwaitingVerdict(projectId: string) {
  return useQuery({
    queryKey: contributionKeys.awaitingVerdictOf(projectId),
    queryFn: async () => {
      const { items, first } = await fetchAllPagesWithFirst((cursor) =>
        api.GET("/api/v1/projects/{project_id}/ideas-awaiting-verdict", {
          params: { path: { project_id: projectId }, query: { limit: PAGE_LIMIT, cursor } },
        }),
      );
      return { items, canRecord: first.can_record_verdict };
    },
  });
}

/** Folds a duplicate into another card (the facilitator's): the survivor gains the votes. */
export function useMergeContribution(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, into }: { id: string; into: string }) =>
      unwrap(await api.POST("/api/v1/contributions/{contribution_id}/merge", { params: { path: { contribution_id: id } }, body: { into } })),
    onSuccess: (survivor, { id }) =>
      updateCards(queryClient, sessionId, (list) => list.filter((x) => x.id !== id).map((x) => (x.id === survivor.id ? survivor : x))),
  });
}

/** The facilitator starts the next (or a later) phase of a mastermind session; the board is
 * read again, as a reveal or the end of the vote shows what was hidden. */
export function useChangePhase(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["SessionPhaseChange"]) =>
      unwrap(await api.POST("/api/v1/sessions/{session_id}/phase", { params: { path: { session_id: sessionId } }, body })),
    onSuccess: (updated) => {
      queryClient.setQueryData(sessionKeys.one(sessionId), updated);
      queryClient.invalidateQueries({ queryKey: contributionKeys.ofSession(sessionId) });
    },
  });
}

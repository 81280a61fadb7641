// The live room: the session's event stream (SSE) applied to the cached board and presence,
// and a ticking clock for countdowns.
import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { streamEvents, type SseEvent } from "../../api/sse";
import { contributionKeys, updateCards, type Board, type Contribution } from "../contributions/queries";
import { dashboardKeys } from "../dashboard/queries";
import { sessionKeys, type Presence, type Session } from "./queries";

/** A card from the stream, keeping what only this reader's own calls know (voted_by_me,
 * unless the stream says it: a mastermind tells each voter their own). */
function upsert(list: Contribution[], incoming: Contribution): Contribution[] {
  const existing = list.find((c) => c.id === incoming.id);
  const merged = { ...incoming, voted_by_me: incoming.voted_by_me ?? existing?.voted_by_me ?? false };
  return existing ? list.map((c) => (c.id === incoming.id ? merged : c)) : [...list, merged];
}

/** Applies one stream event to the cached board (pure enough to test on its own). */
export function applyLiveEvent(queryClient: QueryClient, sessionId: string, event: SseEvent): void {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(event.data);
  } catch {
    return;
  }
  const key = contributionKeys.ofSession(sessionId);
  const cards = (change: (items: Contribution[]) => Contribution[]) => updateCards(queryClient, sessionId, change);
  if (event.event === "contribution.created" || event.event === "contribution.updated") {
    cards((list) => upsert(list, payload as unknown as Contribution));
    if (event.event === "contribution.updated") queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(sessionId) });
  } else if (event.event === "contribution.hidden") {
    // Another's card during the write phase: only the count reaches this reader.
    queryClient.setQueryData<Board>(key, (board) => (board ? { ...board, hidden_count: Number(payload.hidden_count ?? 0) } : board));
  } else if (event.event === "contribution.merged") {
    const into = payload.into as string;
    const intoVotes = payload.into_votes as number | null;
    cards((list) => list.filter((c) => c.id !== payload.id).map((c) => (c.id === into ? { ...c, votes: intoVotes } : c)));
    // Whose votes moved where is the server's to say (voted_by_me of the survivor).
    queryClient.invalidateQueries({ queryKey: key });
  } else if (event.event === "vote.changed") {
    const id = payload.contribution_id as string;
    const votes = payload.votes as number | null;
    const mine = payload.voted_by_me as boolean | undefined;
    cards((list) => list.map((c) => (c.id === id ? { ...c, votes, voted_by_me: mine ?? c.voted_by_me } : c)));
  } else if (event.event === "phase.changed") {
    queryClient.setQueryData<Session>(sessionKeys.one(sessionId), (s) =>
      s
        ? {
            ...s,
            phase: payload.phase as Session["phase"],
            phase_started_at: (payload.phase_started_at as string) ?? s.phase_started_at,
            phase_ends_at: (payload.phase_ends_at as string) ?? s.phase_ends_at,
          }
        : s,
    );
    // The secret vote starts: no count shows until it ends (the API sends none either).
    if (payload.phase === "vote") cards((list) => list.map((c) => ({ ...c, votes: null })));
    // A reveal or the end of the vote: every card as this reader may now see it, at once.
    const revealed = payload.contributions as Contribution[] | undefined;
    if (revealed) {
      queryClient.setQueryData<Board>(key, (board) =>
        board ? { items: revealed.reduce(upsert, board.items.filter((c) => revealed.some((r) => r.id === c.id))), hidden_count: 0 } : board,
      );
    }
  } else if (event.event === "presence.changed") {
    const userId = payload.user_id as string;
    const online = payload.online as boolean;
    const presenceKey = sessionKeys.presence(sessionId);
    queryClient.setQueryData<Presence[]>(presenceKey, (current) => {
      if (!current) return current;
      if (current.some((p) => p.user_id === userId)) return current.map((p) => (p.user_id === userId ? { ...p, online } : p));
      return [...current, { user_id: userId, full_name: String(payload.full_name ?? ""), online, joined_at: null, minutes_present: 0 }];
    });
    // The minutes and joined_at come from the server.
    queryClient.invalidateQueries({ queryKey: presenceKey });
  } else if (event.event === "session.status_changed") {
    // The session and what hangs off it (presence, outcome) are another status now.
    queryClient.invalidateQueries({ queryKey: sessionKeys.one(sessionId) });
    queryClient.invalidateQueries({ queryKey: dashboardKeys.all });
  }
}

/** Subscribes to the session's events while mounted; returns the connection status. */
export function useLiveSession(sessionId: string, enabled: boolean) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<"connecting" | "open" | "closed">("closed");
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let opened = false;
    streamEvents(`/api/v1/sessions/${sessionId}/events`, {
      signal: controller.signal,
      onStatus: (s) => {
        setStatus(s);
        // After a reconnect, refetch once: anything missed is also replayed via Last-Event-ID.
        if (s === "open" && opened) queryClient.invalidateQueries({ queryKey: contributionKeys.ofSession(sessionId) });
        // Our own stream opening makes us present: read who is here now.
        if (s === "open") queryClient.invalidateQueries({ queryKey: sessionKeys.presence(sessionId) });
        if (s === "open") opened = true;
      },
      onEvent: (event) => applyLiveEvent(queryClient, sessionId, event),
    });
    return () => controller.abort();
  }, [sessionId, enabled, queryClient]);
  return status;
}

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

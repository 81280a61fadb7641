// The live room: the session's event stream (SSE) applied to the cached board and presence,
// and a ticking clock for countdowns.
import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { streamEvents, type SseEvent } from "../../api/sse";
import { contributionKeys, type Contribution } from "../contributions/queries";
import { dashboardKeys } from "../dashboard/queries";
import { sessionKeys, type Presence } from "./queries";

/** Applies one stream event to the cached board (pure enough to test on its own). */
export function applyLiveEvent(queryClient: QueryClient, sessionId: string, event: SseEvent): void {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(event.data);
  } catch {
    return;
  }
  const key = contributionKeys.ofSession(sessionId);
  if (event.event === "contribution.created" || event.event === "contribution.updated") {
    const incoming = payload as unknown as Contribution;
    queryClient.setQueryData<Contribution[]>(key, (current) => {
      if (!current) return current;
      const existing = current.find((c) => c.id === incoming.id);
      // The stream does not know who is watching: keep our own voted_by_me.
      const merged = { ...incoming, voted_by_me: existing?.voted_by_me ?? false };
      return existing ? current.map((c) => (c.id === incoming.id ? merged : c)) : [...current, merged];
    });
    if (event.event === "contribution.updated") queryClient.invalidateQueries({ queryKey: sessionKeys.outcome(sessionId) });
  } else if (event.event === "vote.changed") {
    const id = payload.contribution_id as string;
    const votes = payload.votes as number;
    queryClient.setQueryData<Contribution[]>(key, (current) => current?.map((c) => (c.id === id ? { ...c, votes } : c)));
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

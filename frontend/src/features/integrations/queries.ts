// Integrations an admin manages: CRM connections (inbound deals) and API keys (scripts), each
// listed in full, created (the secret shown once) and removed; a connection's event log, paged
// ("load more"), all or one result, and retrying a failed event.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export const crmKeys = {
  all: ["crm-connections"] as const,
  events: (connectionId: string) => ["crm-connections", connectionId, "events"] as const,
};

export type CrmEvent = Schemas["CrmInboundEventRead"];

/** A log page: enough to see what happened lately; older events come with "load more". */
export const CRM_EVENTS_PAGE = 50;

/** A connection's events, newest first, all or only those with `result`; read again every
 * 3 s while one shown is pending, since the worker applies it a moment after it arrived. */
export function useCrmEvents(connectionId: string, result: Schemas["InboundResult"] | undefined) {
  return useInfiniteQuery({
    queryKey: [...crmKeys.events(connectionId), result ?? "all"],
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/v1/integrations/crm/{connection_id}/events", {
          params: { path: { connection_id: connectionId }, query: { limit: CRM_EVENTS_PAGE, cursor: pageParam, result } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((event) => event.result === "pending")) ? 3000 : false,
  });
}

export function useRetryCrmEvent(connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (eventId: string) =>
      unwrap(
        await api.POST("/api/v1/integrations/crm/{connection_id}/events/{event_id}/retry", {
          params: { path: { connection_id: connectionId, event_id: eventId } },
        }),
      ),
    // The event is pending again: the connections (their failed counts) and the event logs,
    // under every filter, are read anew; the log keys start with the connections' key.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crmKeys.all }),
  });
}

export const apiKeyKeys = {
  all: ["api-keys"] as const,
};

export function useCrmConnections() {
  return useQuery({
    queryKey: crmKeys.all,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/integrations/crm", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

export function useCreateCrmConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["CrmConnectionCreate"]) => unwrap(await api.POST("/api/v1/integrations/crm", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crmKeys.all }),
  });
}

export function useRemoveCrmConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/v1/integrations/crm/{connection_id}", { params: { path: { connection_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: crmKeys.all }),
  });
}

export function useApiKeys() {
  return useQuery({
    queryKey: apiKeyKeys.all,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/api-keys", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ApiKeyCreate"]) => unwrap(await api.POST("/api/v1/api-keys", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/api/v1/api-keys/{api_key_id}", { params: { path: { api_key_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

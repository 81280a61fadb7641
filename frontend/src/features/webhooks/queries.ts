// Outbound webhooks: endpoints (every page), adding, switching on/off (If-Match from a fresh
// read), deleting; an endpoint's delivery log (polled while open) and retrying a delivery.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type WebhookEndpoint = Schemas["WebhookEndpointRead"];

export const webhookKeys = {
  all: ["webhook-endpoints"] as const,
  deliveries: (endpointId: string) => ["webhook-endpoints", endpointId, "deliveries"] as const,
};

export function useWebhooks() {
  return useQuery({
    queryKey: webhookKeys.all,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/webhook-endpoints", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

function useEndpointMutation<V, R>(mutationFn: (variables: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.all }) });
}

export function useCreateWebhook() {
  return useEndpointMutation(async (body: Schemas["WebhookEndpointCreate"]) => unwrap(await api.POST("/api/v1/webhook-endpoints", { body })));
}

/** Switches an endpoint on or off, sending the ETag of a fresh read as If-Match. */
export function useToggleWebhook() {
  return useEndpointMutation(async (endpoint: WebhookEndpoint) => {
    const path = { endpoint_id: endpoint.id };
    const current = await api.GET("/api/v1/webhook-endpoints/{endpoint_id}", { params: { path } });
    unwrap(current);
    return unwrap(
      await api.PATCH("/api/v1/webhook-endpoints/{endpoint_id}", {
        params: { path, header: { "If-Match": current.response.headers.get("ETag") ?? undefined } },
        body: { enabled: !endpoint.enabled },
      }),
    );
  });
}

export function useDeleteWebhook() {
  return useEndpointMutation(async (id: string) =>
    unwrap(await api.DELETE("/api/v1/webhook-endpoints/{endpoint_id}", { params: { path: { endpoint_id: id } } })),
  );
}

/** The latest 100 deliveries to an endpoint, all or in one state; read every 3 s, since a log
 * is watched while the worker works. */
export function useDeliveries(endpointId: string, state: Schemas["DeliveryState"] | undefined) {
  return useQuery({
    queryKey: [...webhookKeys.deliveries(endpointId), state ?? "all"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/webhook-endpoints/{endpoint_id}/deliveries", {
          params: { path: { endpoint_id: endpointId }, query: { limit: 100, state } },
        }),
      ).items,
    refetchInterval: 3000,
  });
}

export function useRetryDelivery(endpointId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/v1/webhook-deliveries/{delivery_id}/retry", { params: { path: { delivery_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(endpointId) }),
  });
}

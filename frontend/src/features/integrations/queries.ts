// Integrations an admin manages: CRM connections (inbound deals) and API keys (scripts), each
// listed in full, created (the secret shown once) and removed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export const crmKeys = {
  all: ["crm-connections"] as const,
};

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

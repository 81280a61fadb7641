// Clients and their contacts: a page of the list, every client (the pickers), one client with
// its ETag (edits send If-Match), saving one, adding a contact.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { QueryOf, Schemas } from "../../api/types";

export type Client = Schemas["ClientRead"];

export const clientKeys = {
  all: ["clients"] as const,
  list: (params: QueryOf<"/api/v1/clients">) => ["clients", "list", params] as const,
  everyone: ["clients", "everyone"] as const,
  one: (id: string) => ["clients", "one", id] as const,
  contacts: (id: string) => ["clients", "contacts", id] as const,
};

export function useClients(params: QueryOf<"/api/v1/clients">) {
  return useQuery({
    queryKey: clientKeys.list(params),
    queryFn: async () => unwrap(await api.GET("/api/v1/clients", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** Every client (all pages), for a picker. */
export function useAllClients() {
  return useQuery({
    queryKey: clientKeys.everyone,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/clients", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

/** One client and the ETag its edit must send back. */
export function useClient(clientId: string | null | undefined) {
  return useQuery({
    queryKey: clientKeys.one(clientId ?? ""),
    enabled: !!clientId,
    queryFn: async () => {
      const result = await api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: clientId! } } });
      return { client: unwrap(result), etag: result.response.headers.get("ETag") };
    },
  });
}

export function useContacts(clientId: string) {
  return useQuery({
    queryKey: clientKeys.contacts(clientId),
    queryFn: () =>
      fetchAllPages((cursor) =>
        api.GET("/api/v1/clients/{client_id}/contacts", { params: { path: { client_id: clientId }, query: { limit: PAGE_LIMIT, cursor } } }),
      ),
  });
}

/** Creates a client, or edits `client` (If-Match: `etag`). */
export function useSaveClient(client?: Client, etag?: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ClientCreate"]) => {
      if (client) {
        return unwrap(
          await api.PATCH("/api/v1/clients/{client_id}", {
            params: { path: { client_id: client.id }, header: { "If-Match": etag ?? undefined } },
            // An edit cannot clear the owner (null is 422): omitted, it stays.
            body: { ...body, owner_id: body.owner_id ?? undefined },
          }),
        );
      }
      return unwrap(await api.POST("/api/v1/clients", { params: { header: { "Idempotency-Key": newIdempotencyKey() } }, body }));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: clientKeys.all }),
  });
}

export function useCreateContact(clientId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ContactCreate"]) =>
      unwrap(
        await api.POST("/api/v1/clients/{client_id}/contacts", {
          params: { path: { client_id: clientId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: clientKeys.contacts(clientId) }),
  });
}

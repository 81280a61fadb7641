// The organization's settings: read by everyone (with the ETag an edit sends back as
// If-Match), changed by admins. A change can move every period (fiscal year start, time
// zone: the ledger is rebuilt), so the ledger, the dashboard and `me` are read again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { ledgerKeys } from "../ledger/queries";
import { userKeys } from "../users/queries";

export type Organization = Schemas["OrganizationSettingsRead"];
export interface OrganizationWithEtag {
  organization: Organization;
  etag: string | null;
}

export const organizationKeys = {
  all: ["organization"] as const,
};

export function useOrganization() {
  return useQuery({
    queryKey: organizationKeys.all,
    queryFn: async (): Promise<OrganizationWithEtag> => {
      const result = await api.GET("/api/v1/organization");
      return { organization: unwrap(result), etag: result.response.headers.get("ETag") };
    },
    staleTime: 60_000,
  });
}

/** Saves `body` with If-Match: `etag` (the read it was edited from). On 412 (someone else
 * saved first) the settings are read again, so the form shows theirs. */
export function useUpdateOrganization() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, etag }: { body: Schemas["OrganizationUpdate"]; etag: string | null }): Promise<OrganizationWithEtag> => {
      const result = await api.PATCH("/api/v1/organization", { params: { header: { "If-Match": etag ?? undefined } }, body });
      return { organization: unwrap(result), etag: result.response.headers.get("ETag") };
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(organizationKeys.all, saved);
      queryClient.invalidateQueries({ queryKey: userKeys.me });
      queryClient.invalidateQueries({ queryKey: ledgerKeys.all });
      queryClient.invalidateQueries({ queryKey: dashboardKeys.all });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) queryClient.invalidateQueries({ queryKey: organizationKeys.all });
    },
  });
}

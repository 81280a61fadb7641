// Whether team selling pays (GET /insights/impact): helped versus solo projects closed in a
// period, for managers and admins (the Team screen).
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type Impact = Schemas["ImpactReport"];
export type ImpactGroup = Schemas["ImpactGroup"];

export const insightKeys = {
  all: ["insights"] as const,
  impact: (period: Schemas["PeriodKind"]) => ["insights", "impact", period] as const,
};

export function useImpact(period: Schemas["PeriodKind"], { enabled = true } = {}) {
  return useQuery({
    queryKey: insightKeys.impact(period),
    enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/insights/impact", { params: { query: { period } } })),
  });
}

// The signed-in person's dashboard (My day, the balance badge, the Team screen): one query
// that many mutations invalidate, since it summarizes projects, sessions, actions and minutes.
// Asked for a named period it is its own entry under the same key (invalidated with it).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export const dashboardKeys = {
  all: ["dashboard"] as const,
  period: (period: Schemas["PeriodKind"]) => ["dashboard", { period }] as const,
};

/** The default period (this fiscal quarter), or `period`; a switch keeps the last answer
 * on screen until the new one comes. */
export function useDashboard(period?: Schemas["PeriodKind"]) {
  return useQuery({
    queryKey: period ? dashboardKeys.period(period) : dashboardKeys.all,
    queryFn: async () => unwrap(await api.GET("/api/v1/dashboard", { params: { query: period ? { period } : {} } })),
    placeholderData: period ? keepPreviousData : undefined,
  });
}

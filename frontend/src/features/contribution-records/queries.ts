// A person's contribution record for a period (GET /users/{id}/contribution-record), and its
// CSV for a spreadsheet.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type ContributionRecord = Schemas["ContributionRecord"];

export const recordKeys = {
  of: (userId: string, period: Schemas["PeriodKind"]) => ["contribution-record", userId, period] as const,
};

export function useContributionRecord(userId: string, period: Schemas["PeriodKind"]) {
  return useQuery({
    queryKey: recordKeys.of(userId, period),
    enabled: !!userId,
    // JSON unless asked for CSV: the contract lists both under 200.
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/users/{user_id}/contribution-record", { params: { path: { user_id: userId }, query: { period } } })) as ContributionRecord,
  });
}

/** The record as CSV text (Accept: text/csv), for a download. */
export async function fetchRecordCsv(userId: string, period: Schemas["PeriodKind"]): Promise<string> {
  const result = await api.GET("/api/v1/users/{user_id}/contribution-record", {
    params: { path: { user_id: userId }, query: { period } },
    headers: { Accept: "text/csv" },
    parseAs: "text",
  });
  return unwrap(result) as unknown as string;
}

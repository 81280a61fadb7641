// The reciprocity ledger (minutes given and received per person, for a period and team).
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { QueryOf } from "../../api/types";

type LedgerParams = QueryOf<"/api/v1/ledger">;

export const ledgerKeys = {
  all: ["ledger"] as const,
  list: (params: LedgerParams) => ["ledger", "list", params] as const,
};

export function useLedger(params: LedgerParams) {
  return useQuery({
    queryKey: ledgerKeys.list(params),
    queryFn: async () => unwrap(await api.GET("/api/v1/ledger", { params: { query: params } })),
  });
}

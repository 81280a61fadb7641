// The top bar's search: GET /search over clients, projects, ideas, outcomes and takeaways,
// ranked by the API, each hit with where it opens.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type SearchHit = Schemas["SearchHit"];

export const searchKeys = {
  all: ["search"] as const,
  of: (q: string) => ["search", q] as const,
};

/** Where a hit opens in the SPA; null for a shared learning of a closed project the reader
 * cannot open (the API then gives its title and client name only, and no project id). */
export function searchTarget(hit: SearchHit): string | null {
  if (hit.type === "clients") return `/clients/${hit.id}`;
  if (hit.type === "projects") return `/projects/${hit.id}`;
  if (!hit.project_id) return null;
  if (hit.type === "outcomes") return `/sessions/${hit.id}/outcome`;
  return `/projects/${hit.project_id}`; // an idea or a takeaway: its project
}

/** The hits for `q`, once it has two characters (one, for a Japanese or other non-ASCII
 * character: the API matches single characters like 売). */
export function useSearch(q: string) {
  return useQuery({
    queryKey: searchKeys.of(q),
    enabled: q.length >= 2 || [...q].some((character) => character.charCodeAt(0) > 0x7f),
    queryFn: async () => (await api.GET("/api/v1/search", { params: { query: { q, limit: 15 } } }).then(unwrap)).items,
  });
}

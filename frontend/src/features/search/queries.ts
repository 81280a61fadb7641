// The top bar's search: the first few clients and projects whose name matches.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { i18n } from "../../i18n";

export const searchKeys = {
  all: ["search"] as const,
  of: (q: string) => ["search", q] as const,
};

/** Options `kind:id` with a label, once `q` has two characters (one, for a Japanese or other
 * non-ASCII character: the API matches single characters like 売). */
export function useSearch(q: string) {
  return useQuery({
    queryKey: searchKeys.of(q),
    enabled: q.length >= 2 || [...q].some((character) => character.charCodeAt(0) > 0x7f),
    queryFn: async () => {
      const [clients, projects] = await Promise.all([
        api.GET("/api/v1/clients", { params: { query: { q, limit: 5 } } }).then(unwrap),
        api.GET("/api/v1/projects", { params: { query: { q, limit: 5 } } }).then(unwrap),
      ]);
      return [
        ...clients.items.map((c) => ({ value: `client:${c.id}`, label: i18n.t("widgets:search.client", { name: c.name }) })),
        ...projects.items.map((p) => ({ value: `project:${p.id}`, label: i18n.t("widgets:search.project", { name: p.title }) })),
      ];
    },
  });
}

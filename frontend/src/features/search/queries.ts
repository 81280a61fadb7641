// The top bar's search: the first few clients and projects whose name matches.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

export const searchKeys = {
  all: ["search"] as const,
  of: (q: string) => ["search", q] as const,
};

/** Options `kind:id` with a label, once `q` has two characters. */
export function useSearch(q: string) {
  return useQuery({
    queryKey: searchKeys.of(q),
    enabled: q.length >= 2,
    queryFn: async () => {
      const [clients, projects] = await Promise.all([
        api.GET("/api/v1/clients", { params: { query: { q, limit: 5 } } }).then(unwrap),
        api.GET("/api/v1/projects", { params: { query: { q, limit: 5 } } }).then(unwrap),
      ]);
      return [
        ...clients.items.map((c) => ({ value: `client:${c.id}`, label: `Client · ${c.name}` })),
        ...projects.items.map((p) => ({ value: `project:${p.id}`, label: `Project · ${p.title}` })),
      ];
    },
  });
}

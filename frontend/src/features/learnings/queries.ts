// Related learnings: what worked before on projects like this one (GET
// /projects/{id}/related-learnings), beside the project page and the session brief.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type RelatedLearning = Schemas["RelatedLearning"];

export const learningKeys = {
  all: ["related-learnings"] as const,
  ofProject: (projectId: string) => ["related-learnings", projectId] as const,
};

export function useRelatedLearnings(projectId: string | undefined, limit = 5) {
  return useQuery({
    queryKey: [...learningKeys.ofProject(projectId ?? ""), limit],
    enabled: !!projectId,
    queryFn: async () =>
      (
        await api
          .GET("/api/v1/projects/{project_id}/related-learnings", { params: { path: { project_id: projectId ?? "" }, query: { limit } } })
          .then(unwrap)
      ).items,
  });
}

// "What worked before": the best related learnings of a project, each with where it came
// from, how that deal ended, what the idea did and why it matched.
import { Badge, Group, Stack, Text } from "@mantine/core";
import { QueryState } from "../../components/states";
import { label } from "../../format";
import { useTranslation } from "../../i18n/react";
import { useRelatedLearnings, type RelatedLearning } from "./queries";

const REASON_KEYS = {
  same_industry: "reason.same_industry",
  shared_words: "reason.shared_words",
  same_purpose: "reason.same_purpose",
} as const satisfies Record<RelatedLearning["reasons"][number]["code"], string>;

export function LearningItem({ item }: { item: RelatedLearning }) {
  const { t } = useTranslation("learnings");
  const where = item.client_name ? `${item.project_title} · ${item.client_name}` : item.project_title;
  return (
    <div data-testid="related-learning">
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {item.text}
      </Text>
      <Group gap={4} mt={2} wrap="wrap">
        <Text size="xs" c="dimmed">
          {item.kind === "approach" ? t("approachFrom", { where }) : t("ideaFrom", { where, people: item.people.map((p) => p.full_name).join(", ") })}
        </Text>
        <Badge size="xs" variant="light" color={item.result === "won" ? "green" : item.result === "lost" ? "red" : "gray"}>
          {label(item.result)}
        </Badge>
        {item.verdict && (
          <Badge size="xs" variant="outline" color={item.verdict === "worked" ? "green" : item.verdict === "did_not_work" ? "red" : "gray"}>
            {label(item.verdict)}
          </Badge>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {item.reasons
          .map((r) => (r.code === "shared_words" ? t(REASON_KEYS[r.code], { words: (r.words ?? []).join(", ") }) : t(REASON_KEYS[r.code])))
          .join(" · ")}
      </Text>
    </div>
  );
}

/** The project's related learnings, best first; an empty state when nothing matches yet. */
export function RelatedLearnings({ projectId, limit = 5 }: { projectId: string; limit?: number }) {
  const { t } = useTranslation("learnings");
  const query = useRelatedLearnings(projectId, limit);
  return (
    <QueryState query={query}>
      {(items) =>
        items.length ? (
          <Stack gap="sm">
            {items.map((item) => (
              <LearningItem key={`${item.kind}:${item.id}`} item={item} />
            ))}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            {t("none")}
          </Text>
        )
      }
    </QueryState>
  );
}

// An outcome's participation (DESIGN 7.2): ideas put up and adopted per person, and how even
// the voices were (1 − Gini over contributions). Shown once authors may be named: the API
// sends no rows to others while an anonymous session is not completed.
import { Badge, Group, Text } from "@mantine/core";
import { BarChart } from "@mantine/charts";
import type { Schemas } from "../../api/types";
import { useTranslation } from "../../i18n/react";

/** Words for an evenness figure: 1 is every voice alike, near 0 one voice. */
export function evennessLevel(evenness: number): "even" | "uneven" | "oneVoice" {
  return evenness >= 0.75 ? "even" : evenness >= 0.4 ? "uneven" : "oneVoice";
}

export function ParticipationChart({ outcome }: { outcome: Pick<Schemas["SessionOutcome"], "participation" | "evenness"> }) {
  const { t } = useTranslation("sessions");
  const people = outcome.participation ?? [];
  if (!people.length) return null;
  const level = evennessLevel(outcome.evenness ?? 1);
  const data = people.map((p) => ({ name: p.full_name, contributions: p.contributions, adopted: p.adopted }));
  return (
    <div data-testid="participation">
      <Group gap="xs" mb="xs">
        <Text size="sm">{t("outcome.evenness", { value: (outcome.evenness ?? 1).toFixed(2) })}</Text>
        <Badge color={level === "even" ? "green" : level === "uneven" ? "yellow" : "red"} variant="light" data-testid="evenness">
          {t(`outcome.evennessLevel.${level}`)}
        </Badge>
      </Group>
      <div aria-label={t("outcome.participationAria")}>
        <BarChart
          h={Math.max(120, 36 * data.length)}
          data={data}
          dataKey="name"
          orientation="vertical"
          yAxisProps={{ width: 110 }}
          series={[
            { name: "contributions", color: "indigo.6", label: t("outcome.participationPut") },
            { name: "adopted", color: "teal.6", label: t("outcome.participationAdopted") },
          ]}
          withLegend
        />
      </div>
    </div>
  );
}

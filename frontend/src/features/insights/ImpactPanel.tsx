// Does team selling pay? Helped versus solo win rates, each drawn with its 95% interval (a band
// and a dot), never as a bare percentage; a group too small for a rate says so instead.
import { Card, Group, Stack, Text, Title } from "@mantine/core";
import type { Schemas } from "../../api/types";
import { QueryState } from "../../components/states";
import { useTranslation } from "../../i18n/react";
import { currentLanguage } from "../../i18n";
import { useImpact, type ImpactGroup } from "./queries";

const percent = (value: number) => new Intl.NumberFormat(currentLanguage(), { style: "percent", maximumFractionDigits: 0 }).format(value);

function RateWithInterval({ label, group, minGroup }: { label: string; group: ImpactGroup; minGroup: number }) {
  const { t } = useTranslation("team");
  const rate = group.win_rate;
  const low = group.win_rate_low ?? 0;
  const high = group.win_rate_high ?? 0;
  return (
    <Stack gap={4} data-testid="impact-group">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {t("impact.counts", { won: group.won, count: group.count })}
        </Text>
      </Group>
      {rate !== null && rate !== undefined && group.enough_data ? (
        <>
          <div
            role="img"
            aria-label={t("impact.rateAria", { rate: percent(rate), low: percent(low), high: percent(high) })}
            style={{ position: "relative", height: 14, borderRadius: 7, background: "var(--mantine-color-gray-2)" }}
          >
            <div
              style={{
                position: "absolute",
                left: `${low * 100}%`,
                width: `${(high - low) * 100}%`,
                top: 0,
                bottom: 0,
                borderRadius: 7,
                background: "var(--mantine-color-indigo-2)",
              }}
            />
            <div
              style={{
                position: "absolute",
                left: `calc(${rate * 100}% - 5px)`,
                top: 2,
                width: 10,
                height: 10,
                borderRadius: 5,
                background: "var(--mantine-color-indigo-7)",
              }}
            />
          </div>
          <Text size="xs" data-testid="impact-rate">
            {t("impact.rate", { rate: percent(rate), low: percent(low), high: percent(high) })}
          </Text>
        </>
      ) : (
        <Text size="xs" c="dimmed" data-testid="impact-too-few">
          {t("impact.tooFew", { count: group.count, min: minGroup })}
        </Text>
      )}
      {group.median_days_to_close !== null && group.median_days_to_close !== undefined && (
        <Text size="xs" c="dimmed">
          {t("impact.medianDays", { days: group.median_days_to_close })}
        </Text>
      )}
    </Stack>
  );
}

export function ImpactPanel({ period }: { period: Schemas["PeriodKind"] }) {
  const { t } = useTranslation("team");
  const impact = useImpact(period);
  return (
    <Card withBorder data-testid="impact">
      <Title order={4} mb="xs">
        {t("impact.title")}
      </Title>
      <QueryState query={impact} retry>
        {(report) => (
          <Stack>
            <RateWithInterval label={t("impact.helped")} group={report.helped} minGroup={report.min_group} />
            <RateWithInterval label={t("impact.solo")} group={report.solo} minGroup={report.min_group} />
            <Text size="xs" c="dimmed">
              {t("impact.verdicts", {
                worked: report.verdicts.worked ?? 0,
                didNotWork: report.verdicts.did_not_work ?? 0,
                notTried: report.verdicts.not_tried ?? 0,
                notSaid: report.verdicts.not_said ?? 0,
              })}
            </Text>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

// Given vs received minutes of one person, as two bars (My day's balance card).
import { BarChart } from "@mantine/charts";
import { useTranslation } from "../i18n/react";
import type { Schemas } from "../api/types";

export function BalanceChart({ row }: { row: Schemas["LedgerRow"] }) {
  const { t } = useTranslation("widgets");
  const data = [
    { label: t("balance.given"), minutes: row.minutes_given },
    { label: t("balance.received"), minutes: row.minutes_received },
  ];
  return (
    <div data-testid="balance-chart" aria-label={t("balance.aria", { given: row.minutes_given, received: row.minutes_received })}>
      <BarChart
        h={160}
        data={data}
        dataKey="label"
        orientation="vertical"
        yAxisProps={{ width: 70 }}
        series={[{ name: "minutes", color: "indigo.6", label: t("balance.minutes") }]}
        withTooltip={false}
        withBarValueLabel
      />
    </div>
  );
}

// Given vs received minutes of one person, as two bars (My day's balance card).
import { BarChart } from "@mantine/charts";
import type { Schemas } from "../api/types";

export function BalanceChart({ row }: { row: Schemas["LedgerRow"] }) {
  const data = [
    { label: "Given", minutes: row.minutes_given },
    { label: "Received", minutes: row.minutes_received },
  ];
  return (
    <div data-testid="balance-chart" aria-label={`Given ${row.minutes_given} minutes, received ${row.minutes_received} minutes`}>
      <BarChart
        h={160}
        data={data}
        dataKey="label"
        orientation="vertical"
        yAxisProps={{ width: 70 }}
        series={[{ name: "minutes", color: "indigo.6", label: "Minutes" }]}
        withTooltip={false}
        withBarValueLabel
      />
    </div>
  );
}

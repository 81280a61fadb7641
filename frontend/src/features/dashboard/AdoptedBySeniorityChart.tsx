// The learning view a manager shows (DESIGN 7.2): of the ideas put up in completed sessions
// each month, the share adopted, one line per seniority. A junior line near the senior one
// says the junior voice is heard.
import { LineChart } from "@mantine/charts";
import type { Schemas } from "../../api/types";
import { Seniority } from "../../api/enums";
import { label } from "../../format";
import { useTranslation } from "../../i18n/react";

const COLOURS: Record<Schemas["Seniority"], string> = { junior: "teal.6", mid: "indigo.6", senior: "orange.6" };

/** One row per month, a percentage per seniority (absent when nobody of it put up ideas). */
export function shareRows(rows: Schemas["AdoptedBySeniority"][]): Record<string, string | number>[] {
  const months = [...new Set(rows.map((r) => r.month))].sort();
  return months.map((month) => {
    const row: Record<string, string | number> = { month };
    for (const r of rows.filter((x) => x.month === month)) row[r.seniority] = Math.round(r.share_adopted * 100);
    return row;
  });
}

export function AdoptedBySeniorityChart({ rows }: { rows: Schemas["AdoptedBySeniority"][] }) {
  const { t } = useTranslation("team");
  if (!rows.length) return null;
  const present = Seniority.filter((s) => rows.some((r) => r.seniority === s));
  return (
    <div data-testid="adopted-by-seniority" aria-label={t("mix.bySeniorityAria")}>
      <LineChart
        h={200}
        data={shareRows(rows)}
        dataKey="month"
        unit="%"
        yAxisProps={{ domain: [0, 100] }}
        series={present.map((s) => ({ name: s, label: label(s), color: COLOURS[s] }))}
        curveType="linear"
        withLegend
        connectNulls
      />
    </div>
  );
}

// Minutes used against a budget: blue below 80 %, amber from 80 %, red from 100 %.
import { Group, Progress, Text } from "@mantine/core";
import { useTranslation } from "../i18n/react";
import { minutes } from "../format";

export function burnColour(used: number, budget: number): string {
  if (budget <= 0) return used > 0 ? "red" : "blue";
  const share = used / budget;
  return share >= 1 ? "red" : share >= 0.8 ? "yellow" : "blue";
}

export function BudgetBar({ used, budget, label }: { used: number; budget: number; label: string }) {
  const value = budget > 0 ? Math.min(100, (used / budget) * 100) : used > 0 ? 100 : 0;
  const colour = burnColour(used, budget);
  const { t } = useTranslation("widgets");
  return (
    <div data-burn={colour} data-testid="budget-bar">
      <Group justify="space-between" gap="xs">
        <Text size="sm">{label}</Text>
        <Text size="xs" c={colour === "blue" ? "dimmed" : colour} className="num">
          {minutes(used)} / {minutes(budget)}
        </Text>
      </Group>
      <Progress
        value={value}
        color={colour}
        size="md"
        aria-label={t("budget.aria", { label, used, budget })}
      />
    </div>
  );
}

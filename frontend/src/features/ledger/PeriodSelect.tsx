// A compact picker of the named periods (My day's balance card). Its own module so that My day
// (the first screen) loads it after the page has shown, like the chart beside it.
import { NativeSelect } from "@mantine/core";
import { namedPeriods, type PeriodKind } from "./periods";

export function PeriodSelect({ value, onChange, label }: { value: PeriodKind; onChange: (value: PeriodKind) => void; label: string }) {
  return (
    <NativeSelect
      size="xs"
      aria-label={label}
      data={namedPeriods()}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value as PeriodKind)}
    />
  );
}

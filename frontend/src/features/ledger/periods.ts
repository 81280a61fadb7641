// The period pickers' choices (ledger, My day) and the query each asks for. No API calls:
// the screens pass the result to their queries.
import type { QueryOf, Schemas } from "../../api/types";

export type PeriodKind = Schemas["PeriodKind"];
export type PeriodChoice = PeriodKind | "custom";

export const NAMED_PERIODS: { value: PeriodKind; label: string }[] = [
  { value: "fiscal_quarter", label: "This fiscal quarter" },
  { value: "fiscal_year", label: "This fiscal year" },
  { value: "quarter", label: "This quarter" },
  { value: "month", label: "This month" },
];

export const PERIOD_CHOICES: { value: PeriodChoice; label: string }[] = [...NAMED_PERIODS, { value: "custom", label: "Custom (since–until)" }];

/** The query a choice asks for: a named period, or the days given (either may be left out). */
export function periodQuery(choice: PeriodChoice, since: string, until: string): Pick<QueryOf<"/api/v1/ledger">, "period" | "since" | "until"> {
  if (choice !== "custom") return { period: choice };
  return { since: since || undefined, until: until || undefined };
}

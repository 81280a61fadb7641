// The period pickers' choices (ledger, My day) and the query each asks for. No API calls:
// the screens pass the result to their queries.
import type { QueryOf, Schemas } from "../../api/types";
import { i18n } from "../../i18n";

export type PeriodKind = Schemas["PeriodKind"];
export type PeriodChoice = PeriodKind | "custom";

/** The named periods in the current language (a function: the language can change). */
export function namedPeriods(): { value: PeriodKind; label: string }[] {
  return [
    { value: "fiscal_quarter", label: i18n.t("period.thisFiscalQuarter") },
    { value: "fiscal_year", label: i18n.t("period.thisFiscalYear") },
    { value: "quarter", label: i18n.t("period.thisQuarter") },
    { value: "month", label: i18n.t("period.thisMonth") },
  ];
}

export function periodChoices(): { value: PeriodChoice; label: string }[] {
  return [...namedPeriods(), { value: "custom", label: i18n.t("period.custom") }];
}

/** The query a choice asks for: a named period, or the days given (either may be left out). */
export function periodQuery(choice: PeriodChoice, since: string, until: string): Pick<QueryOf<"/api/v1/ledger">, "period" | "since" | "until"> {
  if (choice !== "custom") return { period: choice };
  return { since: since || undefined, until: until || undefined };
}

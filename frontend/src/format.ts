// Small display helpers: relative dates, minutes, money, status colours, enum labels, all in
// the current language (src/i18n): words from the catalog, dates and numbers through Intl.
import { currentLanguage, i18n, lookupIn } from "./i18n";

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
function relativeFormat(): Intl.RelativeTimeFormat {
  const language = currentLanguage();
  let format = relativeFormats.get(language);
  if (!format) relativeFormats.set(language, (format = new Intl.RelativeTimeFormat(language, { numeric: "auto" })));
  return format;
}

export function relativeTime(value: string | null | undefined, now = Date.now()): string {
  if (!value) return "—";
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : new Date(value);
  const seconds = (date.getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 60) return i18n.t("time.justNow");
  if (abs < 3600) return relativeFormat().format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relativeFormat().format(Math.round(seconds / 3600), "hour");
  if (abs < 86400 * 30) return relativeFormat().format(Math.round(seconds / 86400), "day");
  return date.toLocaleDateString(currentLanguage());
}

export function absoluteTime(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString(currentLanguage()) : "";
}

export function minutes(value: number): string {
  const sign = value < 0 ? "−" : "";
  const abs = Math.abs(value);
  if (abs < 60) return sign + i18n.t("time.min", { n: abs });
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return sign + (m ? i18n.t("time.hoursMinutes", { h, m }) : i18n.t("time.hours", { h }));
}

export function signedMinutes(value: number): string {
  const text = i18n.t("time.min", { n: Math.abs(value) });
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

const STATUS_COLOURS: Record<string, string> = {
  open: "blue",
  active: "green",
  prospect: "cyan",
  dormant: "gray",
  lost: "red",
  won: "green",
  abandoned: "gray",
  scheduled: "blue",
  live: "orange",
  completed: "green",
  cancelled: "gray",
  adopted: "green",
  parked: "yellow",
  rejected: "red",
  done: "green",
  invited: "yellow",
  declined: "red",
  left: "gray",
};

export function statusColour(status: string): string {
  return STATUS_COLOURS[status] ?? "gray";
}

/** An enum value as people read it: "in_progress" -> "In progress" (or its Japanese). */
export function label(value: string): string {
  const english = value.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
  return lookupIn("common", `enum.${value}`, { defaultValue: english });
}

export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** When a session happened, for people: a completed one "held 3 days ago, 42 min" (from
 * started_at/completed_at, not the plan), a live one "started 5 minutes ago", a planned
 * one "in 2 hours" (its scheduled time). */
export function sessionWhen(
  s: { status: string; scheduled_at: string; started_at?: string | null; completed_at?: string | null; cancelled_at?: string | null },
  now = Date.now(),
): string {
  if (s.status === "completed" && s.started_at && s.completed_at) {
    // As the API counts held time: to the nearest minute, at least 1 for any time at all.
    const seconds = (new Date(s.completed_at).getTime() - new Date(s.started_at).getTime()) / 1000;
    const held = seconds <= 0 ? 0 : Math.max(1, Math.floor(seconds / 60 + 0.5));
    return i18n.t("time.held", { when: relativeTime(s.started_at, now), duration: minutes(held) });
  }
  if (s.status === "live" && s.started_at) return i18n.t("time.started", { when: relativeTime(s.started_at, now) });
  if (s.status === "cancelled" && s.cancelled_at) return i18n.t("time.cancelled", { when: relativeTime(s.cancelled_at, now) });
  return relativeTime(s.scheduled_at, now);
}

/** A give/take balance's colour: green for a giver, red for a taker, neutral grey at zero. */
export function balanceColour(value: number): string {
  return value > 0 ? "green" : value < 0 ? "red" : "gray";
}

// Money: the API sends decimal strings with exactly the currency's places ("1500000" for
// yen, "4200.50" for euros); Intl writes them with the currency's symbol and places.
export function money(amount: string | null | undefined, currency: string, locale: string = currentLanguage()): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`; // a code Intl does not know: as the API wrote it
  }
}

// How many places an amount in ``currency`` may have: 0 for JPY and KRW, 2 for EUR.
export function currencyPlaces(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

// Periods: the ledger and the dashboard answer with the days they cover and, for a named
// period, which one it is. Days are calendar dates ("2026-10-01"), formatted as such (UTC),
// never shifted by the browser's zone.
const dayFormat = () => new Intl.DateTimeFormat(currentLanguage(), { month: "short", day: "numeric", timeZone: "UTC" });
const dayYearFormat = () =>
  new Intl.DateTimeFormat(currentLanguage(), { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const monthFormat = () => new Intl.DateTimeFormat(currentLanguage(), { month: "long", year: "numeric", timeZone: "UTC" });
const asDate = (day: string) => new Date(`${day}T00:00:00Z`);

/** "Oct 1 – Dec 3"; with the years when they differ, or always with `withYear`. */
export function dayRange(since: string, until: string, { withYear = false } = {}): string {
  const sameYear = since.slice(0, 4) === until.slice(0, 4);
  if (since === until) return (withYear ? dayYearFormat : dayFormat)().format(asDate(since));
  if (!sameYear) return i18n.t("period.range", { from: dayYearFormat().format(asDate(since)), to: dayYearFormat().format(asDate(until)) });
  return i18n.t("period.range", { from: dayFormat().format(asDate(since)), to: (withYear ? dayYearFormat : dayFormat)().format(asDate(until)) });
}

export interface PeriodAnswer {
  since: string;
  until: string;
  period?: "fiscal_quarter" | "fiscal_year" | "quarter" | "month" | null;
  fiscal_year?: number | null;
  quarter?: number | null;
}

/** What a period answer is called: "FY2026 Q3 (Oct 1 – Dec 3)" for an April year's third
 * quarter (a fiscal year is named by the calendar year it starts in); with a January year
 * fiscal periods are calendar ones, "Q4 2026 (Oct 1 – Dec 3)"; a month "December 2026 (Dec 1
 * – Dec 3)"; days of one's own choosing "Oct 5 – Nov 3, 2026". */
export function periodLabel(answer: PeriodAnswer, fiscalStartMonth: number): string {
  const days = dayRange(answer.since, answer.until);
  const year = answer.fiscal_year ?? Number(answer.since.slice(0, 4));
  const fiscal = fiscalStartMonth !== 1;
  switch (answer.period) {
    case "fiscal_quarter":
      if (!answer.quarter) break;
      return i18n.t(fiscal ? "period.fiscalQuarter" : "period.quarter", { year, quarter: answer.quarter, days });
    case "fiscal_year":
      return i18n.t(fiscal ? "period.fiscalYear" : "period.year", { year, days });
    case "quarter":
      if (!answer.quarter) break;
      return i18n.t("period.quarter", { year, quarter: answer.quarter, days });
    case "month":
      return i18n.t("period.month", { month: monthFormat().format(asDate(answer.since)), days });
  }
  return dayRange(answer.since, answer.until, { withYear: true });
}

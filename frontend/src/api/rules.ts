// The API's field rules (src/api/limits.ts, generated from openapi.json) as form hints and
// checks, so what a form says and refuses is exactly what the API says and refuses.
// Said in the current language with the same words as the API's errors (namespace errors).
import { currentLanguage, errors } from "../i18n";
import { limits } from "./limits";

type Limits = typeof limits;
export interface Rule {
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

const number = (n: number) => new Intl.NumberFormat(currentLanguage()).format(n);

export function rule<S extends keyof Limits>(schema: S, field: keyof Limits[S] & string): Rule {
  return (limits[schema] as Record<string, Rule>)[field] ?? {};
}

/** "At least 10 characters", "At most 4,000 characters", "10–256 characters". */
export function lengthHint(r: Rule): string {
  if (r.minLength && r.minLength > 1 && r.maxLength) return errors("problem.atLeastCharacters", { n: number(r.minLength) });
  if (r.maxLength) return errors("problem.atMostCharacters", { n: number(r.maxLength) });
  return "";
}

/** The message the API would give a value of this length, or null when it passes. */
export function checkLength(value: string, r: Rule, { required = true } = {}): string | null {
  const length = value.trim().length;
  if (required && (r.minLength ?? 0) >= 1 && length === 0) return errors("problem.required");
  if (r.minLength && r.minLength > 1 && value.length < r.minLength) return errors("problem.atLeastCharacters", { n: number(r.minLength) });
  if (r.maxLength !== undefined && value.length > r.maxLength) return errors("problem.atMostCharacters", { n: number(r.maxLength) });
  return null;
}

/** The message for a number outside the API's range, or null. */
export function checkRange(value: number | string, r: Rule): string | null {
  const n = typeof value === "number" ? value : Number(value);
  if (value === "" || Number.isNaN(n)) return errors("problem.number");
  if (!Number.isInteger(n)) return errors("problem.wholeNumber");
  if (r.minimum !== undefined && n < r.minimum) return errors("problem.atLeast", { n: number(r.minimum) });
  if (r.maximum !== undefined && n > r.maximum) return errors("problem.atMost", { n: number(r.maximum) });
  return null;
}

// RFC 9457 problem documents from the API, as an Error the UI can show and map onto fields;
// pydantic's validation messages said in people's words.
// Said in the current language (src/i18n, namespace "errors"); a problem
// without field errors is told by its `type` outside English, since its detail is English.
import { currentLanguage, errors, lookupIn } from "../i18n";
import type { components } from "./schema";

export type FieldError = components["schemas"]["FieldError"];

export const PROBLEM_TYPE_PREFIX = "urn:sales-mastermind:problem:";


/** The first number in a pydantic message ("at most 4000 characters" -> 4000). */
function limitIn(msg: string): string {
  const found = /-?\d+(\.\d+)?/.exec(msg);
  return found ? new Intl.NumberFormat(currentLanguage()).format(Number(found[0])) : "";
}

/** "default_owner_id" -> "default owner"; "body" -> "text" (or their Japanese). */
export function fieldLabel(field: string): string {
  const english = field === "body" ? "text" : field.replace(/_id$/, "").replace(/_/g, " ");
  return lookupIn("errors", `field.${field}`, { defaultValue: english });
}

function choose(field: string): string {
  const name = fieldLabel(field);
  return /^[aeiou]/i.test(name) ? errors("problem.chooseAn", { name }) : errors("problem.choose", { name });
}

/** One validation error in plain words, for the field it belongs to. */
export function humanMessage(error: FieldError, field = ""): string {
  const n = limitIn(error.msg);
  const isReference = field.endsWith("_id");
  const needsNumber = /too_|than/.test(error.type);
  if (needsNumber && !n) return error.msg;
  switch (error.type) {
    case "missing":
      return isReference ? choose(field) : errors("problem.required");
    case "uuid_parsing":
    case "uuid_type":
      return isReference || field ? choose(field || "value") : errors("problem.chooseFromList");
    case "string_too_short":
      return n === "1" ? errors("problem.required") : errors("problem.atLeastCharacters", { n });
    case "string_too_long":
      return errors("problem.atMostCharacters", { n });
    case "too_short":
      return n === "1" ? errors("problem.chooseAtLeastOne") : errors("problem.atLeastItems", { n });
    case "too_long":
      return errors("problem.atMostItems", { n });
    case "greater_than_equal":
      return errors("problem.atLeast", { n });
    case "greater_than":
      return errors("problem.moreThan", { n });
    case "less_than_equal":
      return errors("problem.atMost", { n });
    case "less_than":
      return errors("problem.lessThan", { n });
    case "string_pattern_mismatch":
      return errors("problem.notBlank");
    case "int_parsing":
    case "int_type":
    case "int_from_float":
      return errors("problem.wholeNumber");
    case "float_parsing":
    case "float_type":
    case "decimal_parsing":
    case "finite_number":
      return errors("problem.number");
    case "enum":
    case "literal_error":
      return errors("problem.oneOfOptions", { options: error.msg.replace(/^Input should be /, "") });
    case "date_parsing":
    case "date_from_datetime_parsing":
    case "date_from_datetime_inexact":
    case "date_type":
      return errors("problem.date");
    case "datetime_parsing":
    case "datetime_from_date_parsing":
    case "datetime_type":
    case "timezone_aware":
      return errors("problem.dateTime");
    case "extra_forbidden":
      return errors("problem.notAccepted");
    case "value_error": {
      if (currentLanguage() !== "en") return errors("problem.invalidValue");
      const text = error.msg.replace(/^Value error, /, "");
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
    default:
      return error.msg;
  }
}

/** Retry-After as seconds (the header holds seconds or an HTTP date). */
function retryAfterSeconds(headers?: Headers): number | null {
  const value = headers?.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

/** "in 5 minutes (at 16:42)" for a wait of `seconds`. */
export function retryHint(seconds: number, now = Date.now()): string {
  const at = new Date(now + seconds * 1000).toLocaleTimeString(currentLanguage(), { hour: "2-digit", minute: "2-digit" });
  if (seconds < 60) return errors("problem.inSeconds", { count: seconds });
  return errors("problem.inMinutes", { count: Math.ceil(seconds / 60), at });
}

export class ApiError extends Error {
  readonly status: number;
  /** The problem's type without its URN prefix ("conflict", "validation", ...). */
  readonly type: string;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds until trying again makes sense (429, 503), from Retry-After. */
  readonly retryAfter: number | null;

  constructor(status: number, body: unknown, headers?: Headers) {
    const problem = (body ?? {}) as { type?: string; detail?: string | null; title?: string; errors?: FieldError[] };
    const detail = problem.detail || problem.title || errors("problem.requestFailed", { status });
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.type = (problem.type ?? "").replace(PROBLEM_TYPE_PREFIX, "");
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = retryAfterSeconds(headers);
  }

  /** Field name -> message in plain words, from 422 `errors` whose loc is ["body", field, ...]. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.errors) {
      const path = error.loc[0] === "body" || error.loc[0] === "query" ? error.loc.slice(1) : error.loc;
      const field = path.length ? String(path[0]) : "";
      if (field && !out[field]) out[field] = humanMessage(error, field);
    }
    return out;
  }

  /** What to tell a person: the field errors themselves (never a bare "see errors"), or the
   * detail with when to try again. */
  explain(): string {
    if (this.errors.length) {
      const fields = this.fieldErrors();
      const listed = Object.entries(fields).map(([field, message]) => `${capitalise(fieldLabel(field))}: ${message}`);
      if (listed.length) return listed.join("; ");
      return this.errors.map((e) => humanMessage(e)).join("; ");
    }
    // The API's details are English: other languages say what kind of problem it is.
    const said = currentLanguage() === "en" ? this.detail : lookupIn("errors", `problem.type.${this.type}`, { defaultValue: this.detail });
    if (this.retryAfter !== null && (this.status === 429 || this.status === 503)) {
      const base = said.replace(/[;,]?\s*try again later\.?$/i, "").replace(/\.?$/, currentLanguage() === "ja" ? "" : ".");
      return errors("problem.tryAgainIn", { base, when: retryHint(this.retryAfter) });
    }
    return said;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The message to show for any thrown error. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.explain();
  if (error instanceof Error) return error.message;
  return errors("problem.somethingWrong");
}

/** Unwraps an openapi-fetch result: the data, or throws an ApiError with the problem detail.
 * A documented error without a body leaves `error` undefined, so check `data`/`response`. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, result.error, result.response.headers);
}

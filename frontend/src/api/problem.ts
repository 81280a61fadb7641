// RFC 9457 problem documents from the API, as an Error the UI can show and map onto fields;
// pydantic's validation messages said in people's words.
import type { components } from "./schema";

export type FieldError = components["schemas"]["FieldError"];

const numberFormat = new Intl.NumberFormat("en");

/** The first number in a pydantic message ("at most 4000 characters" -> 4000). */
function limitIn(msg: string): string {
  const found = /-?\d+(\.\d+)?/.exec(msg);
  return found ? numberFormat.format(Number(found[0])) : "";
}

/** "default_owner_id" -> "default owner"; "body" -> "text". */
export function fieldLabel(field: string): string {
  if (field === "body") return "text";
  return field.replace(/_id$/, "").replace(/_/g, " ");
}

function choose(field: string): string {
  const name = fieldLabel(field);
  return `Choose ${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** One validation error in plain words, for the field it belongs to. */
export function humanMessage(error: FieldError, field = ""): string {
  const n = limitIn(error.msg);
  const isReference = field.endsWith("_id");
  const needsNumber = /too_|than/.test(error.type);
  if (needsNumber && !n) return error.msg;
  switch (error.type) {
    case "missing":
      return isReference ? choose(field) : "Required";
    case "uuid_parsing":
    case "uuid_type":
      return isReference || field ? choose(field || "value") : "Choose one from the list";
    case "string_too_short":
      return n === "1" ? "Required" : `At least ${n} characters`;
    case "string_too_long":
      return `At most ${n} characters`;
    case "too_short":
      return n === "1" ? "Choose at least one" : `At least ${n} items`;
    case "too_long":
      return `At most ${n} items`;
    case "greater_than_equal":
      return `At least ${n}`;
    case "greater_than":
      return `More than ${n}`;
    case "less_than_equal":
      return `At most ${n}`;
    case "less_than":
      return `Less than ${n}`;
    case "string_pattern_mismatch":
      return "Write something other than spaces";
    case "int_parsing":
    case "int_type":
    case "int_from_float":
      return "A whole number";
    case "float_parsing":
    case "float_type":
    case "decimal_parsing":
    case "finite_number":
      return "A number";
    case "enum":
    case "literal_error":
      return `Choose one of the options (${error.msg.replace(/^Input should be /, "")})`;
    case "date_parsing":
    case "date_from_datetime_parsing":
    case "date_from_datetime_inexact":
    case "date_type":
      return "A valid date";
    case "datetime_parsing":
    case "datetime_from_date_parsing":
    case "datetime_type":
    case "timezone_aware":
      return "A valid date and time";
    case "extra_forbidden":
      return "Not accepted here";
    case "value_error": {
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
  const at = new Date(now + seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? "" : "s"} (at ${at})`;
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds until trying again makes sense (429, 503), from Retry-After. */
  readonly retryAfter: number | null;

  constructor(status: number, body: unknown, headers?: Headers) {
    const problem = (body ?? {}) as { detail?: string | null; title?: string; errors?: FieldError[] };
    const detail = problem.detail || problem.title || `Request failed (${status})`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
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
    if (this.retryAfter !== null && (this.status === 429 || this.status === 503)) {
      const base = this.detail.replace(/[;,]?\s*try again later\.?$/i, "").replace(/\.?$/, ".");
      return `${base} Try again ${retryHint(this.retryAfter)}.`;
    }
    return this.detail;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The message to show for any thrown error. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.explain();
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}

/** Unwraps an openapi-fetch result: the data, or throws an ApiError with the problem detail.
 * A documented error without a body leaves `error` undefined, so check `data`/`response`. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, result.error, result.response.headers);
}

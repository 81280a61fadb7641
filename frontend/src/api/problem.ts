// RFC 9457 problem documents from the API, as an Error the UI can show and map onto fields.
import type { components } from "./schema";

export type FieldError = components["schemas"]["FieldError"];

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(status: number, body: unknown) {
    const problem = (body ?? {}) as { detail?: string | null; title?: string; errors?: FieldError[] };
    const detail = problem.detail || problem.title || `Request failed (${status})`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }

  /** Field name -> message, from 422 `errors` whose loc is ["body", field, ...]. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.errors) {
      const path = error.loc[0] === "body" ? error.loc.slice(1) : error.loc;
      const field = path.length ? String(path[0]) : "";
      if (field && !out[field]) out[field] = error.msg;
    }
    return out;
  }
}

/** The message to show for any thrown error. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}

/** Unwraps an openapi-fetch result: the data, or throws an ApiError with the problem detail.
 * A documented error without a body leaves `error` undefined, so check `data`/`response`. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, result.error);
}

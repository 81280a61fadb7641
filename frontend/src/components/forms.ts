// Showing API errors on forms: 422 `errors` go next to their fields, anything else to a
// notification carrying the problem `detail`.
import { ApiError, errorMessage, fieldLabel } from "../api/problem";
import { errors, i18n } from "../i18n";

interface ErrorTarget {
  setErrors: (errors: Record<string, string>) => void;
  values: object;
}

// The notification system loads with the first message, not with the first screen.
type Note = { color: string; title?: string; message: string };
function notify(note: Note): void {
  void import("@mantine/notifications").then(({ notifications }) => notifications.show(note));
}

export function showError(error: unknown, title?: string) {
  notify({ color: "red", title: title ?? i18n.t("forms.didNotWork"), message: errorMessage(error) });
}

/** Maps an API error onto a Mantine form; returns the errors that had no field. */
export function applyApiError(form: ErrorTarget, error: unknown): void {
  if (error instanceof ApiError && error.errors.length) {
    const fields = error.fieldErrors();
    const known: Record<string, string> = {};
    const unknown: string[] = [];
    for (const [field, message] of Object.entries(fields)) {
      if (field in form.values) known[field] = message;
      else unknown.push(`${fieldLabel(field)}: ${message}`);
    }
    form.setErrors(known);
    // Errors with no field on this form still say what is wrong, never a bare "see errors".
    if (unknown.length || !Object.keys(known).length) {
      notify({ color: "red", title: errors("problem.pleaseCheck"), message: unknown.join("; ") || errorMessage(error) });
    }
    return;
  }
  showError(error);
}

/** Something to check that is not a failure (a stale form reloaded). */
export function notifyWarning(title: string, message: string) {
  notify({ color: "yellow", title, message });
}

export function notifySaved(message: string) {
  notify({ color: "green", message });
}

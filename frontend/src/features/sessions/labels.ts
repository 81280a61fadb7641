// The catalog keys (namespace "sessions") for the forms of an enum that a plain label is not
// (src/format.ts label() names each value): a kind inside a sentence, a board column, the
// list's empty state per filter. One key per value, so a new value fails the type check.
import type { Schemas } from "../../api/types";

/** A kind inside a sentence ("idea by Priya"). */
export const KIND_INLINE_KEYS = {
  idea: "kindInline.idea",
  question: "kindInline.question",
  insight: "kindInline.insight",
  experience: "kindInline.experience",
  risk: "kindInline.risk",
  resource: "kindInline.resource",
} as const satisfies Record<Schemas["ContributionKind"], string>;

/** The board's column titles, one per kind. */
export const COLUMN_KEYS = {
  idea: "column.idea",
  question: "column.question",
  insight: "column.insight",
  experience: "column.experience",
  risk: "column.risk",
  resource: "column.resource",
} as const satisfies Record<Schemas["ContributionKind"], string>;

export const EMPTY_KEYS = {
  scheduled: "list.empty.scheduled",
  live: "list.empty.live",
  completed: "list.empty.completed",
  cancelled: "list.empty.cancelled",
  all: "list.empty.all",
} as const satisfies Record<Schemas["SessionStatus"] | "all", string>;

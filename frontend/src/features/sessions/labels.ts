// The catalog keys (namespace "sessions") for the enums a session shows: one key per value,
// so a new value in the API fails the type check until it has its words.
import type { Schemas } from "../../api/types";

export const KIND_KEYS = {
  idea: "kind.idea",
  question: "kind.question",
  insight: "kind.insight",
  experience: "kind.experience",
  risk: "kind.risk",
  resource: "kind.resource",
} as const satisfies Record<Schemas["ContributionKind"], string>;

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

export const PURPOSE_KEYS = {
  targeting: "purpose.targeting",
  campaign: "purpose.campaign",
  approach: "purpose.approach",
  solution: "purpose.solution",
  debrief: "purpose.debrief",
} as const satisfies Record<Schemas["SessionPurpose"], string>;

/** The session list's filter: each status, and all. */
export const FILTER_KEYS = {
  scheduled: "list.filter.scheduled",
  live: "list.filter.live",
  completed: "list.filter.completed",
  cancelled: "list.filter.cancelled",
  all: "list.filter.all",
} as const satisfies Record<Schemas["SessionStatus"] | "all", string>;

export const EMPTY_KEYS = {
  scheduled: "list.empty.scheduled",
  live: "list.empty.live",
  completed: "list.empty.completed",
  cancelled: "list.empty.cancelled",
  all: "list.empty.all",
} as const satisfies Record<Schemas["SessionStatus"] | "all", string>;

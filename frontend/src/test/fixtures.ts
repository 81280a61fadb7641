// Response bodies for the SPA's tests, shaped like the API's (schema.d.ts), with overrides.
import type { Schemas } from "../api/types";

export function me(role: Schemas["Role"], id = "me"): Schemas["CurrentUserRead"] {
  return {
    id,
    full_name: role === "manager" ? "Mona Manager" : role === "admin" ? "Ada Admin" : "Rita Rep",
    email: `${role}@example.com`,
    role,
    is_active: true,
    organization: { id: "org", name: "Acme Sales" },
  } as unknown as Schemas["CurrentUserRead"];
}

export function sessionRow(over: Partial<Schemas["SessionRead"]> = {}): Schemas["SessionRead"] {
  return {
    id: "s1",
    organization_id: "org",
    project_id: "p1",
    project_title: "Helix renewal",
    client_id: "c1",
    client_name: "Helix AG",
    purpose: "approach",
    title: "Opening the door",
    agenda: "",
    scheduled_at: "2026-11-27T10:00:00Z",
    timebox_minutes: 45,
    facilitator_id: null,
    status: "scheduled",
    started_at: null,
    completed_at: null,
    cancelled_at: null,
    participants: [],
    summary: "",
    decisions: [],
    recommended_approach: "",
    format: "open",
    anonymity: "none",
    vote_budget: null,
    phase: null,
    phase_started_at: null,
    phase_ends_at: null,
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    ...over,
  };
}

export function ledgerRow(id: string, name: string, given: number, received: number): Schemas["LedgerRow"] {
  return {
    user_id: id,
    full_name: name,
    minutes_given: given,
    minutes_received: received,
    balance_minutes: given - received,
    sessions_attended: 1,
    contributions_count: 1,
    ideas_adopted: 0,
    helped_people: 0,
    helped_by_people: 0,
  };
}

export const page = <T,>(items: T[]) => ({ items, next_cursor: null });

/** The organization as GET /organization answers (an April fiscal year in Tokyo, by default). */
export function organization(over: Partial<Schemas["OrganizationSettingsRead"]> = {}): Schemas["OrganizationSettingsRead"] {
  return {
    id: "org",
    name: "Acme Sales",
    time_zone: "Asia/Tokyo",
    fiscal_year_start_month: 4,
    default_currency: "JPY",
    locale: "ja",
    share_closed_learnings: false,
    ledger_rebuilt_at: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-11-01T00:00:00Z",
    ...over,
  };
}

/** `me` with a whole profile and organization, for the screens that read them. */
export function fullMe(role: Schemas["Role"], over: Partial<Schemas["CurrentUserRead"]> = {}): Schemas["CurrentUserRead"] {
  const { ledger_rebuilt_at: _rebuilt, ...org } = organization();
  void _rebuilt;
  return { ...me(role), name_reading: null, locale: null, expertise: [], organization: org, ...over };
}

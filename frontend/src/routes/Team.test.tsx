import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import { TeamPage } from "./Team";
import { json, renderWithProviders } from "../test/render";
import { setTokens } from "../api/tokens";

const row = (id: string, name: string, given: number, received: number) => ({
  user_id: id,
  full_name: name,
  minutes_given: given,
  minutes_received: received,
  balance_minutes: given - received,
  sessions_attended: 3,
  contributions_count: 4,
  ideas_adopted: 1,
  helped_people: 1,
  helped_by_people: 1,
});

const dashboard = {
  role: "manager",
  since: "2026-10-01",
  until: "2026-11-27",
  my_balance: row("m", "Morgan", 100, 0),
  my_projects: [],
  helping_on: [],
  next_sessions: [],
  my_action_items: [],
  team: {
    projects_by_status: { open: 5, won: 1 },
    budget_burn: [
      { project_id: "p1", title: "Helix deal", budget_minutes: 100, minutes_used: 85, burn_warning: "over_80" },
      { project_id: "p2", title: "Baltic", budget_minutes: 100, minutes_used: 120, burn_warning: "over_100" },
      { project_id: "p3", title: "Nordwind", budget_minutes: 100, minutes_used: 10, burn_warning: "none" },
    ],
    overdue_action_items: [{ id: "a1", title: "Draft the ROI one-pager", assignee_id: "u1", due_date: "2026-11-01", project_id: "p1", status: "open" }],
    overdue_count: 1,
    sessions_per_week: [
      { week_start: "2026-11-09", sessions: 2 },
      { week_start: "2026-11-16", sessions: 4 },
    ],
    top_givers: [row("u1", "Priya", 300, 100)],
    top_takers: [row("u2", "Tom", 20, 240)],
    learning_mix: { completed_sessions: 10, mixed_sessions: 6, share_mixed: 0.6 },
  },
};

describe("TeamPage", () => {
  it("renders the manager's charts and warning colours from the dashboard", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request) =>
        input.url.includes("/dashboard") ? json(dashboard) : json({ items: [{ id: "u1", full_name: "Priya Natarajan", is_active: true }], next_cursor: null }),
      ),
    );
    renderWithProviders(<TeamPage />);
    expect(await screen.findByText("Sessions per week")).toBeTruthy();
    expect(screen.getByTestId("sessions-per-week-chart")).toBeTruthy();
    expect(screen.getByTestId("give-take-chart")).toBeTruthy();
    expect(screen.getByText("60%")).toBeTruthy();
    expect(screen.getByText("6 of 10 completed sessions mixed junior and senior people.")).toBeTruthy();
    expect(screen.getByText("Draft the ROI one-pager")).toBeTruthy();
    const bars = Object.fromEntries(
      ["Helix deal", "Baltic", "Nordwind"].map((title) => [title, screen.getByText(title).closest("[data-burn]")?.getAttribute("data-burn")]),
    );
    expect(bars).toEqual({ "Helix deal": "yellow", Baltic: "red", Nordwind: "blue" });
  });

  it("shows the problem detail when the dashboard fails", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    vi.stubGlobal("fetch", vi.fn(async () => json({ title: "Service Unavailable", status: 503, detail: "The database is unavailable" }, 503)));
    renderWithProviders(<TeamPage />);
    expect(await screen.findByText("The database is unavailable", {}, { timeout: 4000 })).toBeTruthy();
  });
});

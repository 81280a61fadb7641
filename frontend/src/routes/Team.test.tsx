import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { TeamPage } from "./Team";
import { json, renderWithProviders, stubApi } from "../test/render";
import { fullMe } from "../test/fixtures";
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
    helper_burn: [
      {
        user_id: "u1",
        full_name: "Priya",
        projects: 2,
        budget_minutes: 120,
        minutes_used: 130,
        projects_over_budget: 1,
        burn_warning: "over_100",
        seats: [
          { project_id: "p2", title: "Baltic", budget_minutes: 60, minutes_used: 100, burn_warning: "over_100" },
          { project_id: "p1", title: "Helix deal", budget_minutes: 60, minutes_used: 30, burn_warning: "none" },
        ],
      },
      { user_id: "u2", full_name: "Tom", projects: 1, budget_minutes: 60, minutes_used: 5, projects_over_budget: 0, burn_warning: "none", seats: [] },
    ],
    stalled_projects: [
      {
        project_id: "p9",
        title: "Quiet Corp",
        client_name: "Quiet GmbH",
        owner_id: "u1",
        last_activity_at: "2026-10-01T10:00:00Z",
        next_session_at: null,
        overdue_action_items: 2,
        reasons: ["idle", "overdue_actions"],
      },
    ],
    stall_days: 14,
    overdue_action_items: [
      { id: "a1", title: "Draft the ROI one-pager", assignee_id: "u1", due_date: "2026-11-01", project_id: "p1", project_title: "Helix deal", status: "open" },
    ],
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

/** The dashboard above, and one person (for names by id). */
const group = (count: number, won: number, rate: number | null, low: number | null, high: number | null) => ({
  count,
  won,
  lost: count - won,
  abandoned: 0,
  enough_data: rate !== null,
  win_rate: rate,
  win_rate_low: low,
  win_rate_high: high,
  median_days_to_close: 21,
  median_value: null,
});

const impact = {
  since: "2026-10-01",
  until: "2026-12-03",
  period: "fiscal_quarter",
  currency: "EUR",
  min_group: 10,
  helped: group(12, 9, 0.75, 0.4677, 0.9111),
  solo: group(3, 1, null, null, null),
  by_purpose: [],
  by_team: [],
  verdicts: { worked: 1, did_not_work: 0, not_tried: 0, not_said: 1 },
};

function stubDashboard() {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request) =>
      input.url.includes("/dashboard")
        ? json(dashboard)
        : input.url.includes("/insights/impact")
          ? json(impact)
          : json({ items: [{ id: "u1", full_name: "Priya Natarajan", is_active: true }], next_cursor: null }),
    ),
  );
}

describe("TeamPage", () => {
  it("shows whether team selling pays: a rate with its interval, or too few to say", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubDashboard();
    renderWithProviders(<TeamPage />);
    const panel = await screen.findByTestId("impact");
    expect(await within(panel).findByText("Win rate 75% (95% interval 47%–91%)")).toBeTruthy();
    expect(within(panel).getByRole("img", { name: "Win rate 75%, 95% interval 47% to 91%" })).toBeTruthy();
    expect(within(panel).getByText("3 closed: too few for a rate (it takes 10)")).toBeTruthy();
    expect(within(panel).getByText("9 won of 12 closed")).toBeTruthy();
  });

  it("renders the manager's charts and warning colours from the dashboard", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubDashboard();
    renderWithProviders(<TeamPage />);
    expect(await screen.findByText("Sessions per week")).toBeTruthy();
    expect(screen.getByTestId("sessions-per-week-chart")).toBeTruthy();
    expect(screen.getByTestId("give-take-chart")).toBeTruthy();
    expect(screen.getByText("60%")).toBeTruthy();
    expect(screen.getByText("6 of 10 completed sessions mixed junior and senior people.")).toBeTruthy();
    expect(screen.getByText("Draft the ROI one-pager")).toBeTruthy();
    const bars = Object.fromEntries(
      ["Helix deal", "Baltic", "Nordwind"].map((title) => [
        title,
        within(screen.getByTestId("project-burn")).getByText(title).closest("[data-burn]")?.getAttribute("data-burn"),
      ]),
    );
    expect(bars).toEqual({ "Helix deal": "yellow", Baltic: "red", Nordwind: "blue" });
  });

  it("answers its question: stalled projects and burn per helper, each row opening the project", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubDashboard();
    renderWithProviders(<TeamPage />);
    const stalled = await screen.findByTestId("stalled-projects");
    const quiet = within(stalled).getByRole("link", { name: "Quiet Corp" });
    expect(quiet.getAttribute("href")).toBe("/projects/p9");
    expect(await within(stalled).findByText("Quiet GmbH · owner Priya Natarajan")).toBeTruthy();
    expect(within(stalled).getByText("idle")).toBeTruthy();
    expect(within(stalled).getByText("overdue actions")).toBeTruthy();

    const helpers = screen.getAllByTestId("helper-row");
    expect(helpers).toHaveLength(2);
    const priya = helpers[0];
    expect(within(priya).getByText("Priya · 2 projects · over budget on 1")).toBeTruthy();
    expect(priya.querySelector("[data-burn]")?.getAttribute("data-burn")).toBe("red");
    expect(within(priya).getByRole("link", { name: /Baltic/ }).getAttribute("href")).toBe("/projects/p2");
    expect(helpers[1].querySelector("[data-burn]")?.getAttribute("data-burn")).toBe("blue");
    // Overdue actions name their project.
    expect(screen.getByRole("link", { name: "Helix deal" }).getAttribute("href")).toBe("/projects/p1");
  });

  it("shows the problem detail when the dashboard fails", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    vi.stubGlobal("fetch", vi.fn(async () => json({ title: "Service Unavailable", status: 503, detail: "The database is unavailable" }, 503)));
    renderWithProviders(<TeamPage />);
    expect(await screen.findByText("The database is unavailable", {}, { timeout: 4000 })).toBeTruthy();
  });
});

describe("TeamPage period", () => {
  it("shows this fiscal quarter, named, and reads the dashboard again for a picked period", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("manager")],
      ["GET", /\/users\?/, () => ({ items: [], next_cursor: null })],
      ["GET", /\/dashboard\?period=month$/, () => ({ ...dashboard, since: "2026-12-01", until: "2026-12-03", period: "month", fiscal_year: 2026 })],
      ["GET", /\/dashboard$/, () => ({ ...dashboard, until: "2026-12-03", period: "fiscal_quarter", fiscal_year: 2026, quarter: 3 })],
      ["GET", /\/insights\/impact/, () => impact],
    ]);
    renderWithProviders(<TeamPage />);
    await waitFor(() => expect(screen.getByTestId("period-label").textContent).toBe("FY2026 Q3 (Oct 1 – Dec 3)"));
    fireEvent.click(screen.getByRole("combobox", { name: "Period" }));
    fireEvent.click(await screen.findByRole("option", { name: "This month", hidden: true }));
    await waitFor(() => expect(screen.getByTestId("period-label").textContent).toBe("December 2026 (Dec 1 – Dec 3)"));
    expect(calls.some((c) => c.path === "/api/v1/dashboard?period=month")).toBe(true);
  });
});

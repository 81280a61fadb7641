import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { MyDayPage } from "./MyDay";
import { renderWithProviders, stubApi } from "../test/render";
import { fullMe, ledgerRow, me, page } from "../test/fixtures";
import { setTokens } from "../api/tokens";

const dashboard = {
  role: "rep",
  since: "2026-10-01",
  until: "2026-11-27",
  my_balance: ledgerRow("me", "Rita Rep", 30, 30),
  my_projects: [],
  helping_on: [],
  next_sessions: [],
  my_action_items: [
    { id: "a1", project_id: "p7", project_title: "Baltic freight", title: "Send the pilot offer", assignee_id: "me", due_date: null, status: "open" },
  ],
  team: null,
};

describe("MyDayPage", () => {
  it("shows each action item with its project, and a zero balance in grey", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      ["GET", /\/dashboard$/, () => dashboard],
      ["GET", /\/invitations/, () => page([])],
    ]);
    renderWithProviders(<MyDayPage />);
    expect(await screen.findByText("Send the pilot offer")).toBeTruthy();
    const project = screen.getByTestId("action-project");
    expect(project.textContent).toBe("Baltic freight");
    expect(project.getAttribute("href")).toBe("/projects/p7");
    expect(screen.getByText("0 min").getAttribute("style") ?? "").toMatch(/gray/);
  });
});

const invitation = (projectId: string, title: string) => ({
  project_id: projectId,
  project_title: title,
  client_name: "Helix AG",
  role: "helper",
  budget_minutes: 90,
  invited_by: { id: "o", full_name: "Olga Owner" },
  invited_at: new Date(Date.now() - 2 * 3600_000).toISOString(),
});

describe("MyDayPage invitations", () => {
  it("shows pending invitations with Accept and Decline on the card", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    let pending = [invitation("p1", "Helix renewal"), invitation("p2", "Baltic freight")];
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => me("rep", "rita")],
      ["GET", /\/dashboard$/, () => ({ ...dashboard, my_action_items: [] })],
      ["GET", /\/invitations/, () => page(pending)],
      [
        "PATCH",
        /\/projects\/p[12]\/members\/rita$/,
        async (request) => {
          const id = new URL(request.url).pathname.split("/")[4];
          pending = pending.filter((i) => i.project_id !== id);
          return { user_id: "rita", state: ((await request.json()) as { state: string }).state };
        },
      ],
    ]);
    renderWithProviders(<MyDayPage />);
    const card = await screen.findByTestId("invitations");
    expect(within(card).getAllByTestId("invitation")).toHaveLength(2);
    expect(within(card).getAllByText("Helix AG · as helper · 1 h 30 min budget · invited by Olga Owner 2 hours ago")).toHaveLength(2);

    await waitFor(() => expect(calls.some((c) => c.path.endsWith("/users/me"))).toBe(true));
    fireEvent.click(within(card).getByRole("button", { name: "Accept Helix renewal" }));
    await waitFor(() => expect(within(screen.getByTestId("invitations")).getAllByTestId("invitation")).toHaveLength(1));
    fireEvent.click(within(screen.getByTestId("invitations")).getByRole("button", { name: "Decline Baltic freight" }));
    await waitFor(() => expect(screen.queryByTestId("invitations")).toBeNull());
    const answers = calls.filter((c) => c.method === "PATCH").map((c) => [c.path, c.body]);
    expect(answers).toEqual([
      ["/api/v1/projects/p1/members/rita", { state: "active" }],
      ["/api/v1/projects/p2/members/rita", { state: "declined" }],
    ]);
  });
});

describe("MyDayPage balance period", () => {
  it("names the balance's period and shows another period's balance when picked", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("rep")],
      [
        "GET",
        /\/dashboard\?period=fiscal_year$/,
        () => ({ ...dashboard, since: "2026-04-01", until: "2026-12-03", period: "fiscal_year", fiscal_year: 2026, my_balance: ledgerRow("me", "Rita Rep", 200, 50) }),
      ],
      ["GET", /\/dashboard$/, () => ({ ...dashboard, until: "2026-12-03", period: "fiscal_quarter", fiscal_year: 2026, quarter: 3 })],
      ["GET", /\/invitations/, () => page([])],
    ]);
    renderWithProviders(<MyDayPage />);
    await waitFor(() => expect(screen.getByTestId("balance-period").textContent).toBe("FY2026 Q3 (Oct 1 – Dec 3)"));
    expect(screen.getByTestId("my-balance").textContent).toBe("0 min");
    fireEvent.change(screen.getByRole("combobox", { name: "Balance period" }), { target: { value: "fiscal_year" } });
    await waitFor(() => expect(screen.getByTestId("balance-period").textContent).toBe("FY2026 (Apr 1 – Dec 3)"));
    expect(screen.getByTestId("my-balance").textContent).toBe("+150 min");
    // The rest of the page stays on its own answer: one default read, one for the picked period.
    expect(calls.filter((c) => c.path.startsWith("/api/v1/dashboard")).map((c) => c.path)).toEqual(["/api/v1/dashboard", "/api/v1/dashboard?period=fiscal_year"]);
  });
});

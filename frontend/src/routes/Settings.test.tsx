import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { SettingsPage } from "./Settings";
import { renderWithProviders, stubApi } from "../test/render";
import { me, page } from "../test/fixtures";
import { setTokens } from "../api/tokens";

const team = (id: string, name: string, managerId: string) => ({
  id,
  name,
  description: "",
  manager_id: managerId,
  members: [{ user_id: "u1", full_name: "Hank Helper", seniority: "mid" }],
  created_at: "2026-11-01T00:00:00Z",
  updated_at: "2026-11-01T00:00:00Z",
});

function stubFor(role: "admin" | "manager" | "rep") {
  return stubApi([
    ["GET", /\/users\/me$/, () => me(role)],
    ["GET", /\/users\?/, () => page([{ id: "u1", full_name: "Hank Helper", email: "h@example.com", role: "rep", seniority: "mid", expertise: [], is_active: true }])],
    ["GET", /\/teams\?/, () => page([team("t1", "North", "me"), team("t2", "South", "someone-else")])],
    ["DELETE", /\/teams\/t1\/members\/u1$/, () => new Response(null, { status: 204 })],
    ["GET", /\/integrations\/crm/, () => page([])],
  ]);
}

describe("SettingsPage", () => {
  it("opens on Teams for a manager, who edits only the team they manage, and asks before removing a member", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubFor("manager");
    renderWithProviders(<SettingsPage />, { route: "/settings" });
    const cards = await screen.findAllByTestId("team-card");
    expect(screen.getByRole("tab", { name: "Teams" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByRole("tab", { name: "CRM" })).toBeNull();
    const [north, south] = cards;
    expect(within(south).queryByRole("button", { name: /Remove/ })).toBeNull();
    expect(within(south).queryByRole("textbox", { name: /Add a member/ })).toBeNull();

    fireEvent.click(within(north).getByRole("button", { name: "Remove Hank Helper from North" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Hank Helper leaves the team/)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false); // nothing happened yet
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove from team" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path.endsWith("/teams/t1/members/u1"))).toBe(true));
  });

  it("opens on People for an admin, with the integration tabs", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubFor("admin");
    renderWithProviders(<SettingsPage />, { route: "/settings" });
    expect(await screen.findByRole("tab", { name: "People" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: "People" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("tab", { name: "CRM" })).toBeTruthy();
  });

  it("gives a rep no team editing at all", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubFor("rep");
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=teams" });
    const cards = await screen.findAllByTestId("team-card");
    expect(screen.queryByRole("button", { name: "New team" })).toBeNull();
    for (const card of cards) {
      expect(within(card).queryByRole("button", { name: /Remove|Delete|Add/ })).toBeNull();
    }
  });
});

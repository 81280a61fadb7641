import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { MyDayPage } from "./MyDay";
import { renderWithProviders, stubApi } from "../test/render";
import { ledgerRow } from "../test/fixtures";
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
    stubApi([["GET", /\/dashboard$/, () => dashboard]]);
    renderWithProviders(<MyDayPage />);
    expect(await screen.findByText("Send the pilot offer")).toBeTruthy();
    const project = screen.getByTestId("action-project");
    expect(project.textContent).toBe("Baltic freight");
    expect(project.getAttribute("href")).toBe("/projects/p7");
    expect(screen.getByText("0 min").getAttribute("style") ?? "").toMatch(/gray/);
  });
});

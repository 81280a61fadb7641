import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { ContributionRecordPage } from "./ContributionRecordPage";
import { renderWithProviders, stubApi } from "../test/render";
import { me } from "../test/fixtures";
import { setTokens } from "../api/tokens";

const record = {
  user_id: "ben",
  full_name: "Ben Helper",
  since: "2026-01-01",
  until: "2026-12-03",
  period: "fiscal_year",
  fiscal_year: 2026,
  quarter: null,
  minutes_given: 40,
  minutes_received: 0,
  sessions_attended: 1,
  ideas_adopted: 1,
  ideas: [{ id: "i1", body: "Lead with their numbers", session_id: "s1", session_title: "Opening", project_id: "p1", project_title: "Helix rollout", verdict: "worked", created_at: "2026-11-20T10:00:00Z" }],
  projects_helped: [{ project_id: "p1", title: "Helix rollout", client_name: "Helix AG", status: "won", minutes: 40 }],
  takeaways: [],
};

describe("ContributionRecordPage", () => {
  it("shows what a person gave in the fiscal year, ready to print", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => me("manager", "mia")],
      ["GET", /\/users\/ben\/contribution-record\?period=fiscal_year$/, () => record],
    ]);
    renderWithProviders(
      <Routes>
        <Route path="/people/:userId/record" element={<ContributionRecordPage />} />
      </Routes>,
      { route: "/people/ben/record" },
    );
    expect(await screen.findByText("Ben Helper")).toBeTruthy();
    expect(screen.getAllByText("40 min").length).toBeGreaterThan(0);
    expect(screen.getByText("Lead with their numbers")).toBeTruthy();
    expect(screen.getByText("Worked")).toBeTruthy();
    expect(screen.getByText("No takeaways in this period.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Print" })).toBeTruthy();
    expect(calls.some((c) => c.path.endsWith("/users/ben/contribution-record?period=fiscal_year"))).toBe(true);
  });
});

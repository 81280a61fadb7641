import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { renderWithProviders } from "../../test/render";
import { evennessLevel, ParticipationChart } from "./ParticipationChart";
import { shareRows } from "../dashboard/AdoptedBySeniorityChart";

describe("the outcome's participation", () => {
  it("names how even the voices were and charts each person", () => {
    renderWithProviders(
      <ParticipationChart
        outcome={{
          evenness: 0.32,
          participation: [
            { user_id: "a", full_name: "Olga Owner", contributions: 9, adopted: 2 },
            { user_id: "b", full_name: "Jun Junior", contributions: 1, adopted: 0 },
          ],
        }}
      />,
    );
    expect(screen.getByText("Evenness 0.32")).toBeTruthy();
    expect(screen.getByTestId("evenness").textContent).toBe("mostly one voice");
  });

  it("shows nothing while the authors may not be named (no rows)", () => {
    renderWithProviders(<ParticipationChart outcome={{ evenness: 1, participation: [] }} />);
    expect(screen.queryByTestId("participation")).toBeNull();
  });

  it("puts each level in words", () => {
    expect([1, 0.75, 0.5, 0.1].map(evennessLevel)).toEqual(["even", "even", "uneven", "oneVoice"]);
  });
});

describe("adopted ideas by seniority", () => {
  it("gives one row per month with a percentage per seniority", () => {
    const row = (month: string, seniority: "junior" | "mid" | "senior", share: number) => ({ month, seniority, contributions: 10, adopted: share * 10, share_adopted: share });
    expect(shareRows([row("2026-11", "senior", 0.5), row("2026-10", "junior", 0.2), row("2026-11", "junior", 0.4)])).toEqual([
      { month: "2026-10", junior: 20 },
      { month: "2026-11", senior: 50, junior: 40 },
    ]);
  });
});

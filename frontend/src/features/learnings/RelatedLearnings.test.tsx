import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { RelatedLearnings } from "./RelatedLearnings";
import { renderWithProviders, stubApi } from "../../test/render";
import { setTokens } from "../../api/tokens";

const learning = {
  kind: "idea",
  id: "c1",
  text: "Offer a one-depot pilot",
  session_id: "s1",
  purpose: "approach",
  project_id: "p2",
  project_title: "Fleet renewal Nordic",
  client_name: "Nordic Freight",
  result: "won",
  verdict: "worked",
  people: [{ id: "u1", full_name: "Hank Helper" }],
  score: 5,
  reasons: [{ code: "same_industry", words: [] }, { code: "shared_words", words: ["fleet", "renewal"] }],
  created_at: "2026-11-01T10:00:00Z",
};

describe("RelatedLearnings", () => {
  it("shows where each learning came from, how it ended and why it matched", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([["GET", /\/projects\/p1\/related-learnings/, () => ({ items: [learning] })]]);
    renderWithProviders(<RelatedLearnings projectId="p1" />);
    expect(await screen.findByText("Offer a one-depot pilot")).toBeTruthy();
    expect(screen.getByText("Idea from Fleet renewal Nordic · Nordic Freight, by Hank Helper")).toBeTruthy();
    expect(screen.getByText("same industry · shared words: fleet, renewal")).toBeTruthy();
    expect(screen.getByText("Won")).toBeTruthy();
    expect(screen.getByText("Worked")).toBeTruthy();
    expect(calls.find((c) => c.path.includes("related-learnings"))?.path).toContain("limit=5");
  });

  it("says what to expect when nothing matches yet", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([["GET", /related-learnings/, () => ({ items: [] })]]);
    renderWithProviders(<RelatedLearnings projectId="p1" />);
    expect(await screen.findByText(/Nothing learned on similar projects yet/)).toBeTruthy();
  });
});

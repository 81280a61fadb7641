import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { OutcomePage } from "./Outcome";
import { renderWithProviders, stubApi } from "../test/render";
import { me, page, sessionRow } from "../test/fixtures";
import { setTokens } from "../api/tokens";

const outcome = (verdict: string | null) => ({
  session_id: "s1",
  status: "completed",
  summary: "Lead with downtime",
  decisions: [],
  recommended_approach: "",
  adopted_contributions: [
    { id: "c1", kind: "idea", body: "Open with their Q3 numbers", author_id: "hank", author_name: "Hank Helper", votes: 2, verdict, verdict_note: "" },
  ],
  action_items: [],
  attendance: [],
});

function show(viewer: ReturnType<typeof me>, verdict: string | null = null) {
  setTokens({ access_token: "a", refresh_token: "r" });
  const calls = stubApi([
    ["GET", /\/users\/me$/, () => viewer],
    ["GET", /\/users\?/, () => page([])],
    ["GET", /\/sessions\/s1$/, () => sessionRow({ status: "completed", started_at: "2026-11-27T10:00:00Z", completed_at: "2026-11-27T10:40:00Z" })],
    ["GET", /\/sessions\/s1\/outcome$/, () => outcome(verdict)],
    ["GET", /\/sessions\/s1\/takeaways/, () => page([])],
    ["GET", /\/projects\/p1$/, () => ({ id: "p1", owner_id: "owner", title: "Helix renewal" })],
    ["POST", /\/contributions\/c1\/verdict$/, () => ({ id: "c1", verdict: "worked" })],
  ]);
  renderWithProviders(
    <Routes>
      <Route path="/sessions/:sessionId/outcome" element={<OutcomePage />} />
    </Routes>,
    { route: "/sessions/s1/outcome" },
  );
  return calls;
}

describe("OutcomePage verdicts", () => {
  it("lets the owner say what an adopted idea did, keeping its note", async () => {
    const calls = show(me("rep", "owner"));
    expect(await screen.findByText("Waiting for a verdict from the client meeting")).toBeTruthy();
    fireEvent.click(await screen.findByText("Worked"));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ verdict: "worked", note: "" });
  });

  it("shows a helper the verdict without a control", async () => {
    show(me("rep", "hank"), "did_not_work");
    expect(await screen.findByText("Did not work")).toBeTruthy();
    expect(screen.queryByTestId("verdict")).toBeNull();
  });
});

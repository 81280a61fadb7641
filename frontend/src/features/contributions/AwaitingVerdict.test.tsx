import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { AwaitingVerdict } from "./AwaitingVerdict";
import { contributionKeys } from "./queries";
import { renderWithProviders, stubApi } from "../../test/render";
import { sessionRow } from "../../test/fixtures";
import { sessionKeys } from "../sessions/queries";
import { setTokens } from "../../api/tokens";
import { setLanguage } from "../../i18n";

const idea = {
  id: "c1",
  session_id: "s0",
  author_id: "u2",
  author_name: "Hank Helper",
  kind: "idea",
  body: "Offer a one-depot pilot",
  status: "adopted",
  votes: 2,
  voted_by_me: false,
  verdict: null,
  verdict_note: "",
  verdict_at: null,
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
  session_title: "Approach the CFO",
  session_purpose: "approach",
  session_completed_at: new Date(Date.now() - 3 * 86400_000).toISOString(),
};

const debrief = sessionRow({ id: "s9", project_id: "p1", purpose: "debrief", status: "live", title: "After the meeting" });

describe("AwaitingVerdict", () => {
  it("lists the adopted ideas waiting in a debrief and lets the owner record a verdict with a note", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    let answered = false;
    const calls = stubApi([
      ["GET", /\/projects\/p1\/ideas-awaiting-verdict/, () => ({ items: answered ? [] : [idea], next_cursor: null, can_record_verdict: true })],
      [
        "POST",
        /\/contributions\/c1\/verdict$/,
        () => {
          answered = true;
          return { ...idea, verdict: "worked", verdict_note: "Shortlisted" };
        },
      ],
    ]);
    const { queryClient } = renderWithProviders(<AwaitingVerdict session={debrief} />);
    queryClient.setQueryData(sessionKeys.outcome("s0"), { stale: "before" });
    const panel = await screen.findByTestId("awaiting-verdict");
    expect(await within(panel).findByText("Offer a one-depot pilot")).toBeTruthy();
    expect(within(panel).getByText("From “Approach the CFO”, held 3 days ago · by Hank Helper")).toBeTruthy();
    expect(within(panel).getByText(/Say what each did at the client meeting/)).toBeTruthy();
    fireEvent.change(within(panel).getByRole("textbox", { name: 'What happened with "Offer a one-depot pilot"' }), { target: { value: " Shortlisted " } });
    fireEvent.click(within(panel).getByText("Worked"));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ verdict: "worked", note: "Shortlisted" });
    // Recorded: it leaves the list, and the session it came from shows its verdict.
    expect(await within(panel).findByText("Every adopted idea has its verdict.")).toBeTruthy();
    expect(queryClient.getQueryState(sessionKeys.outcome("s0"))?.isInvalidated).toBe(true);
    expect(calls.filter((c) => c.path.includes("ideas-awaiting-verdict"))[0].path).toContain("limit=200");
  });

  it("shows a helper what waits, read-only: no control, no note, nothing posted", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([["GET", /ideas-awaiting-verdict/, () => ({ items: [idea], next_cursor: null, can_record_verdict: false })]]);
    renderWithProviders(<AwaitingVerdict session={debrief} />);
    const panel = await screen.findByTestId("awaiting-verdict");
    expect(await within(panel).findByText("Offer a one-depot pilot")).toBeTruthy();
    expect(within(panel).getByText(/The project's owner records what each did/)).toBeTruthy();
    expect(within(panel).getByText("Waiting for a verdict from the client meeting")).toBeTruthy();
    expect(within(panel).queryByTestId("awaiting-verdict-control")).toBeNull();
    expect(within(panel).queryByRole("textbox")).toBeNull();
    expect(within(panel).queryByText("Worked")).toBeNull();
    expect(calls.every((c) => c.method === "GET")).toBe(true);
  });

  it("is not there in a session that is not a debrief, and asks nothing", () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([]);
    renderWithProviders(<AwaitingVerdict session={{ ...debrief, purpose: "approach" }} />);
    expect(screen.queryByTestId("awaiting-verdict")).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("follows every page and keeps what the API says about who may record", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      [
        "GET",
        /ideas-awaiting-verdict.*cursor=next/,
        () => ({ items: [{ ...idea, id: "c2", body: "Bring the case study" }], next_cursor: null, can_record_verdict: true }),
      ],
      ["GET", /ideas-awaiting-verdict/, () => ({ items: [idea], next_cursor: "next", can_record_verdict: true })],
    ]);
    const { queryClient } = renderWithProviders(<AwaitingVerdict session={debrief} />);
    expect(await screen.findByText("Bring the case study")).toBeTruthy();
    expect(screen.getAllByTestId("awaiting-verdict-control")).toHaveLength(2);
    expect(queryClient.getQueryData(contributionKeys.awaitingVerdictOf("p1"))).toMatchObject({ canRecord: true });
  });

  it("speaks Japanese", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    await setLanguage("ja");
    try {
      stubApi([["GET", /ideas-awaiting-verdict/, () => ({ items: [idea], next_cursor: null, can_record_verdict: true })]]);
      renderWithProviders(<AwaitingVerdict session={debrief} />);
      expect(await screen.findByText("結果待ちのアイデア")).toBeTruthy();
      expect(await screen.findByText("効果あり")).toBeTruthy();
      expect(screen.getByText(/「Approach the CFO」/)).toBeTruthy();
    } finally {
      await setLanguage("en");
    }
  });
});

import { describe, expect, it } from "vitest";
import { QueryClient } from "@tanstack/react-query";
import { applyLiveEvent } from "./live";
import { contributionKeys, type Contribution } from "../contributions/queries";
import { sessionKeys, type Presence } from "./queries";


const base: Contribution = {
  id: "c1",
  session_id: "s1",
  author_id: "u1",
  author_name: "Priya",
  kind: "idea",
  body: "Lead with TCO",
  status: "open",
  votes: 0,
  voted_by_me: true, verdict: null, verdict_note: "", verdict_at: null,
  created_at: "2026-11-27T10:00:00Z",
  updated_at: "2026-11-27T10:00:00Z",
};

describe("applyLiveEvent", () => {
  it("adds new cards, updates votes and status, and keeps my own vote flag", () => {
    const qc = new QueryClient();
    const key = contributionKeys.ofSession("s1");
    qc.setQueryData<Contribution[]>(key, [base]);
    const { voted_by_me: _ignored, ...wire } = { ...base, id: "c2", body: "Ask for a pilot", author_name: "Tom" };
    applyLiveEvent(qc, "s1", { id: "5", event: "contribution.created", data: JSON.stringify(wire) });
    applyLiveEvent(qc, "s1", { id: "6", event: "contribution.created", data: JSON.stringify(wire) });
    applyLiveEvent(qc, "s1", { id: "7", event: "vote.changed", data: JSON.stringify({ contribution_id: "c1", votes: 3 }) });
    const { voted_by_me: _v, ...adopted } = { ...base, status: "adopted" };
    applyLiveEvent(qc, "s1", { id: "8", event: "contribution.updated", data: JSON.stringify({ ...adopted, votes: 3 }) });
    const board = qc.getQueryData<Contribution[]>(key)!;
    expect(board.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(board[0]).toMatchObject({ votes: 3, status: "adopted", voted_by_me: true });
    expect(board[1]).toMatchObject({ body: "Ask for a pilot", voted_by_me: false });
  });

  it("ignores data it cannot parse", () => {
    const qc = new QueryClient();
    qc.setQueryData(contributionKeys.ofSession("s1"), [base]);
    applyLiveEvent(qc, "s1", { id: "1", event: "contribution.created", data: "not json" });
    expect(qc.getQueryData<Contribution[]>(contributionKeys.ofSession("s1"))).toHaveLength(1);
  });
});

describe("presence from the stream", () => {
  it("flips who is online at once and adds someone who joined uninvited", () => {
    const qc = new QueryClient();
    const key = sessionKeys.presence("s1");
    qc.setQueryData<Presence[]>(key, [
      { user_id: "u1", full_name: "Priya", online: false, joined_at: null, minutes_present: 0 },
      { user_id: "u2", full_name: "Tom", online: true, joined_at: "2026-11-27T10:00:00Z", minutes_present: 12 },
    ]);
    applyLiveEvent(qc, "s1", { id: "9", event: "presence.changed", data: JSON.stringify({ session_id: "s1", user_id: "u1", full_name: "Priya", online: true }) });
    applyLiveEvent(qc, "s1", { id: "10", event: "presence.changed", data: JSON.stringify({ session_id: "s1", user_id: "u2", full_name: "Tom", online: false }) });
    applyLiveEvent(qc, "s1", { id: "11", event: "presence.changed", data: JSON.stringify({ session_id: "s1", user_id: "u3", full_name: "Mona", online: true }) });
    const people = qc.getQueryData<Presence[]>(key)!;
    expect(people.map((p) => [p.full_name, p.online])).toEqual([
      ["Priya", true],
      ["Tom", false],
      ["Mona", true],
    ]);
    expect(people[1].minutes_present).toBe(12);
  });
});

import { describe, expect, it } from "vitest";
import { QueryClient } from "@tanstack/react-query";
import { applyLiveEvent } from "./live";
import { contributionKeys, type Board, type Contribution } from "../contributions/queries";
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
    qc.setQueryData<Board>(key, { items: [base], hidden_count: 0 });
    const { voted_by_me: _ignored, ...wire } = { ...base, id: "c2", body: "Ask for a pilot", author_name: "Tom" };
    applyLiveEvent(qc, "s1", { id: "5", event: "contribution.created", data: JSON.stringify(wire) });
    applyLiveEvent(qc, "s1", { id: "6", event: "contribution.created", data: JSON.stringify(wire) });
    applyLiveEvent(qc, "s1", { id: "7", event: "vote.changed", data: JSON.stringify({ contribution_id: "c1", votes: 3 }) });
    const { voted_by_me: _v, ...adopted } = { ...base, status: "adopted" };
    applyLiveEvent(qc, "s1", { id: "8", event: "contribution.updated", data: JSON.stringify({ ...adopted, votes: 3 }) });
    const board = qc.getQueryData<Board>(key)!.items;
    expect(board.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(board[0]).toMatchObject({ votes: 3, status: "adopted", voted_by_me: true });
    expect(board[1]).toMatchObject({ body: "Ask for a pilot", voted_by_me: false });
  });

  it("ignores data it cannot parse", () => {
    const qc = new QueryClient();
    qc.setQueryData<Board>(contributionKeys.ofSession("s1"), { items: [base], hidden_count: 0 });
    applyLiveEvent(qc, "s1", { id: "1", event: "contribution.created", data: "not json" });
    expect(qc.getQueryData<Board>(contributionKeys.ofSession("s1"))!.items).toHaveLength(1);
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

describe("a mastermind's stream", () => {
  const event = (id: number, name: string, data: unknown) => ({ id: String(id), event: name, data: JSON.stringify(data) });
  const mine: Contribution = { ...base, mine: true, voted_by_me: false };

  it("counts others' hidden cards, turns every card over at the reveal, and keeps votes secret until the vote ends", () => {
    const qc = new QueryClient();
    const key = contributionKeys.ofSession("s1");
    qc.setQueryData<Board>(key, { items: [mine], hidden_count: 0 });
    qc.setQueryData(sessionKeys.one("s1"), { id: "s1", format: "mastermind", phase: "write", phase_ends_at: null });
    applyLiveEvent(qc, "s1", event(1, "contribution.hidden", { session_id: "s1", hidden_count: 2 }));
    expect(qc.getQueryData<Board>(key)).toMatchObject({ hidden_count: 2, items: [{ id: "c1" }] });

    const other: Contribution = { ...base, id: "c2", author_id: null, author_name: "", mine: false, body: "Pilot first", voted_by_me: false };
    applyLiveEvent(qc, "s1", event(2, "phase.changed", { phase: "reveal", phase_started_at: "2026-11-27T10:10:00Z", phase_ends_at: "2026-11-27T10:15:00Z", contributions: [mine, other] }));
    expect(qc.getQueryData<Board>(key)).toMatchObject({ hidden_count: 0, items: [{ id: "c1" }, { id: "c2", author_id: null }] });
    expect(qc.getQueryData(sessionKeys.one("s1"))).toMatchObject({ phase: "reveal", phase_ends_at: "2026-11-27T10:15:00Z" });

    // The secret vote starts: the counts shown so far go blank.
    applyLiveEvent(qc, "s1", event(3, "phase.changed", { phase: "vote", phase_started_at: "2026-11-27T10:15:00Z", phase_ends_at: "2026-11-27T10:20:00Z" }));
    expect(qc.getQueryData<Board>(key)!.items.map((c) => c.votes)).toEqual([null, null]);
    // My own vote comes back to me with a null count; another's is nothing.
    applyLiveEvent(qc, "s1", event(3, "vote.changed", { contribution_id: "c2", votes: null, voted_by_me: true }));
    applyLiveEvent(qc, "s1", event(4, "vote.hidden", {}));
    expect(qc.getQueryData<Board>(key)!.items[1]).toMatchObject({ votes: null, voted_by_me: true });
    // The vote ends: the counts appear at once, and my vote flag stays mine.
    // (The stream's cards do not say whom a reader voted for.)
    const wire = ({ voted_by_me: _v, ...c }: Contribution, votes: number) => ({ ...c, votes });
    applyLiveEvent(qc, "s1", event(5, "phase.changed", { phase: "discuss", contributions: [wire(mine, 1), wire(other, 2)] }));
    expect(qc.getQueryData<Board>(key)!.items.map((c) => [c.id, c.votes, c.voted_by_me])).toEqual([
      ["c1", 1, false],
      ["c2", 2, true],
    ]);
  });

  it("drops a merged duplicate and gives its survivor the votes", () => {
    const qc = new QueryClient();
    const key = contributionKeys.ofSession("s1");
    qc.setQueryData<Board>(key, { items: [base, { ...base, id: "c2" }], hidden_count: 0 });
    applyLiveEvent(qc, "s1", event(6, "contribution.merged", { ...base, id: "c2", into: "c1", into_votes: 4 }));
    expect(qc.getQueryData<Board>(key)!.items.map((c) => [c.id, c.votes])).toEqual([["c1", 4]]);
  });
});

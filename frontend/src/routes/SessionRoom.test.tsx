import { describe, expect, it } from "vitest";
import { MantineProvider } from "@mantine/core";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { ComposeBar, Countdown, SessionRoomPage, attendanceToSend, heldMinutes } from "./SessionRoom";
import { json, renderWithProviders, stubApi } from "../test/render";
import { me, page, sessionRow } from "../test/fixtures";
import { setTokens } from "../api/tokens";
import type { Schemas } from "../api/types";

const session = (over: Partial<Schemas["SessionRead"]>): Schemas["SessionRead"] =>
  ({
    id: "s1",
    status: "live",
    started_at: "2026-11-27T10:00:00Z",
    scheduled_at: "2026-11-27T10:00:00Z",
    timebox_minutes: 30,
    participants: [],
    ...over,
  }) as Schemas["SessionRead"];

function shownAt(minutesIn: number): string {
  const now = new Date("2026-11-27T10:00:00Z").getTime() + minutesIn * 60_000;
  const view = render(
    <MantineProvider>
      <Countdown session={session({})} now={now} />
    </MantineProvider>,
  );
  const text = screen.getByRole("timer").textContent ?? "";
  view.unmount();
  return text;
}

describe("Countdown", () => {
  it("counts down the time box and says when it is over", () => {
    expect(shownAt(0)).toBe("30:00 left");
    expect(shownAt(26)).toBe("4:00 left");
    expect(shownAt(31.5)).toBe("1:30 over");
  });
});

describe("ComposeBar", () => {
  it("says 'At most 4,000 characters' next to a 4,500-character idea and posts nothing", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([]);
    renderWithProviders(<ComposeBar sessionId="s1" />);
    const input = screen.getByTestId("compose");
    fireEvent.change(input, { target: { value: "x".repeat(4500) } });
    expect(await screen.findByText("At most 4,000 characters")).toBeTruthy();
    fireEvent.submit(input.closest("form")!);
    expect(calls).toHaveLength(0);
    expect(screen.queryByText(/see errors/)).toBeNull();
  });

  it("counts down the characters left near the limit", () => {
    renderWithProviders(<ComposeBar sessionId="s1" />);
    fireEvent.change(screen.getByTestId("compose"), { target: { value: "x".repeat(3900) } });
    expect(screen.getByText("100 characters left")).toBeTruthy();
  });

  it("shows the API's field message in plain words, not 'see errors'", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      [
        "POST",
        /\/contributions$/,
        () =>
          json(
            {
              title: "Unprocessable Entity",
              status: 422,
              detail: "The request does not validate; see errors.",
              errors: [{ loc: ["body", "body"], msg: "String should match pattern '^[^\\x00]*$'", type: "string_pattern_mismatch" }],
            },
            422,
          ),
      ],
    ]);
    renderWithProviders(<ComposeBar sessionId="s1" />);
    fireEvent.change(screen.getByTestId("compose"), { target: { value: "an idea" } });
    fireEvent.click(screen.getByRole("button", { name: "Post" }));
    expect(await screen.findByText("Write something other than spaces")).toBeTruthy();
    expect(screen.queryByText(/see errors/)).toBeNull();
  });
});

describe("SessionRoomPage", () => {
  it("names project and client in the header and asks before cancelling", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => me("manager")],
      ["GET", /\/users\?/, () => page([])],
      ["GET", /\/sessions\/s1$/, () => sessionRow({ status: "scheduled" })],
      ["GET", /\/sessions\/s1\/contributions/, () => page([])],
      ["GET", /\/projects\/p1$/, () => ({ id: "p1", owner_id: "owner", title: "Helix renewal", client_id: "c1" })],
      ["POST", /\/sessions\/s1\/cancel$/, () => sessionRow({ status: "cancelled" })],
    ]);
    renderWithProviders(
      <Routes>
        <Route path="/sessions/:sessionId" element={<SessionRoomPage />} />
      </Routes>,
      { route: "/sessions/s1" },
    );
    const context = await screen.findByTestId("room-context");
    expect(within(context).getByRole("link", { name: "Helix AG" }).getAttribute("href")).toBe("/clients/c1");
    expect(within(context).getByRole("link", { name: "Helix renewal" }).getAttribute("href")).toBe("/projects/p1");

    fireEvent.click(screen.getByTestId("cancel-session"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/credits no minutes to anyone/)).toBeTruthy();
    expect(calls.some((c) => c.path.endsWith("/cancel"))).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Keep it" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(calls.some((c) => c.path.endsWith("/cancel"))).toBe(false);

    fireEvent.click(screen.getByTestId("cancel-session"));
    fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Cancel session" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/sessions/s1/cancel"))).toBe(true));
  });
});

describe("the Mastermind room", () => {
  const card = (over: Partial<Schemas["ContributionRead"]>): Schemas["ContributionRead"] => ({
    id: "c1",
    session_id: "s1",
    author_id: "hank",
    author_name: "Hank Helper",
    mine: true,
    kind: "idea",
    body: "Lead with the pilot",
    status: "open",
    votes: 0,
    voted_by_me: false,
    verdict: null,
    verdict_note: "",
    verdict_at: null,
    created_at: "2026-11-27T10:00:00Z",
    updated_at: "2026-11-27T10:00:00Z",
    ...over,
  });
  const ends = () => new Date(Date.now() + 4 * 60_000).toISOString();

  function openRoom(who: "hank" | "olga", phase: Schemas["SessionPhase"], cards: Schemas["ContributionRead"][], hidden = 0) {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => me("rep", who)],
      ["GET", /\/users\?/, () => page([])],
      [
        "GET",
        /\/sessions\/s1$/,
        () => sessionRow({ status: "live", started_at: new Date().toISOString(), format: "mastermind", anonymity: "until_complete", vote_budget: 2, phase, phase_ends_at: ends() }),
      ],
      ["GET", /\/sessions\/s1\/contributions/, () => ({ ...page(cards), hidden_count: hidden })],
      ["GET", /\/sessions\/s1\/presence$/, () => ({ items: [] })],
      ["GET", /\/projects\/p1$/, () => ({ id: "p1", owner_id: "olga", title: "Helix renewal", client_id: "c1" })],
      ["POST", /\/sessions\/s1\/phase$/, () => sessionRow({ status: "live", format: "mastermind", phase: "reveal", phase_ends_at: ends() })],
    ]);
    renderWithProviders(
      <Routes>
        <Route path="/sessions/:sessionId" element={<SessionRoomPage />} />
      </Routes>,
      { route: "/sessions/s1" },
    );
    return calls;
  }

  it("in Write: my cards are marked private, the others are a count, and only the facilitator moves on", async () => {
    openRoom("hank", "write", [card({})], 3);
    expect((await screen.findByTestId("phase-strip")).getAttribute("data-phase")).toBe("write");
    expect(screen.getByTestId("phase-write").getAttribute("aria-current")).toBe("step");
    expect(screen.getByTestId("phase-countdown").textContent).toMatch(/^[34]:\d\d left$/);
    expect(await screen.findByTestId("private")).toBeTruthy();
    expect(screen.getByTestId("hidden-count").textContent).toBe("3 cards by others are hidden until the reveal");
    expect(screen.getByTestId("compose")).toBeTruthy();
    // A helper does not steer: no next-phase control.
    expect(screen.queryByTestId("next-phase")).toBeNull();
  });

  it("the facilitator starts the next phase with its time box", async () => {
    const calls = openRoom("olga", "write", []);
    fireEvent.click(await screen.findByTestId("next-phase"));
    await waitFor(() => expect(calls.find((c) => c.method === "POST" && c.path.endsWith("/phase"))?.body).toEqual({ phase: "reveal", minutes: 5 }));
  });

  it("in Vote: anonymous cards, secret counts, dots left, and no more votes once they are spent", async () => {
    openRoom("hank", "vote", [
      card({ id: "c1", author_id: null, author_name: "", mine: false, votes: null, voted_by_me: true }),
      card({ id: "c2", author_id: null, author_name: "", mine: false, body: "Call the CFO", votes: null, voted_by_me: true }),
      card({ id: "c3", author_id: null, author_name: "", mine: false, body: "Offer a workshop", votes: null }),
    ]);
    expect((await screen.findByTestId("dots-left")).textContent).toBe("0 dots left");
    expect(screen.getAllByTestId("author").map((a) => a.textContent)).toEqual(["Anonymous", "Anonymous", "Anonymous"]);
    const votes = screen.getAllByTestId("vote") as HTMLButtonElement[];
    expect(votes.map((v) => [v.textContent, v.disabled])).toEqual([
      ["●", false],
      ["●", false],
      ["○", true],
    ]);
    // Writing is over: no input.
    expect(screen.queryByTestId("compose")).toBeNull();
  });
});

describe("the Complete dialog's attendance", () => {
  const startedAt = () => new Date(Date.now() - 42 * 60_000).toISOString();
  const presence = [
    { user_id: "olga", full_name: "Olga Owner", online: true, joined_at: "2026-11-27T10:00:00Z", minutes_present: 41 },
    { user_id: "hank", full_name: "Hank Helper", online: true, joined_at: "2026-11-27T10:00:00Z", minutes_present: 30 },
    { user_id: "ivy", full_name: "Ivy Inroom", online: false, joined_at: null, minutes_present: 0 },
    { user_id: "mona", full_name: "Mona Manager", online: true, joined_at: "2026-11-27T10:00:00Z", minutes_present: 20 },
  ];
  const members = ["olga", "hank", "ivy"].map((id) => ({ user_id: id, state: "active", role: id === "olga" ? "owner" : "helper" }));

  function openRoom() {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => me("manager", "mona")],
      ["GET", /\/users\?/, () => page([])],
      ["GET", /\/sessions\/s1$/, () => sessionRow({ status: "live", started_at: startedAt() })],
      ["GET", /\/sessions\/s1\/contributions/, () => page([])],
      ["GET", /\/sessions\/s1\/presence$/, () => ({ items: presence })],
      ["GET", /\/projects\/p1$/, () => ({ id: "p1", owner_id: "olga", title: "Helix renewal", client_id: "c1" })],
      ["GET", /\/projects\/p1\/members/, () => page([...members, { user_id: "mona", state: "declined", role: "helper" }])],
      ["POST", /\/sessions\/s1\/complete$/, () => sessionRow({ status: "completed" })],
    ]);
    renderWithProviders(
      <Routes>
        <Route path="/sessions/:sessionId" element={<SessionRoomPage />} />
        <Route path="/sessions/:sessionId/outcome" element={<p>outcome</p>} />
      </Routes>,
      { route: "/sessions/s1" },
    );
    return calls;
  }

  const completed = (calls: ReturnType<typeof stubApi>) => calls.find((c) => c.method === "POST" && c.path.endsWith("/complete"));

  it("the room shows who is present, not the participant list", async () => {
    openRoom();
    const here = await screen.findByTestId("presence");
    await waitFor(() => expect(within(here).getAllByTestId("present").map((b) => b.textContent)).toEqual(["●Olga Owner", "●Hank Helper", "●Mona Manager"]));
    expect(within(here).getByTestId("away").textContent).toBe("· 1 not here");
  });

  it("pre-fills measured minutes and, left as measured, sends no attendance", async () => {
    const calls = openRoom();
    fireEvent.click(await screen.findByTestId("complete-session"));
    const rows = await screen.findAllByTestId("attendance-row");
    // Active members only: the manager's declined seat is not credited.
    expect(rows.map((r) => r.querySelector("td")?.textContent)).toEqual(["Olga Owner", "Hank Helper", "Ivy Inroom"]);
    expect((within(rows[1]).getByRole("textbox", { name: "Minutes credited to Hank Helper" }) as HTMLInputElement).value).toBe("30");
    expect(screen.getByTestId("attendance-mode").textContent).toBe("The measured minutes are credited.");
    fireEvent.click(screen.getByRole("button", { name: "Complete session" }));
    await waitFor(() => expect(completed(calls)).toBeTruthy());
    expect(completed(calls)!.body).not.toHaveProperty("attendance");
  });

  it("credits the held duration to someone ticked as sitting in the room, and every row explicitly", async () => {
    const calls = openRoom();
    fireEvent.click(await screen.findByTestId("complete-session"));
    fireEvent.click(await screen.findByRole("checkbox", { name: "Ivy Inroom sat in the room" }));
    expect((screen.getByRole("textbox", { name: "Minutes credited to Ivy Inroom" }) as HTMLInputElement).value).toBe("42");
    expect(screen.getByTestId("attendance-mode").textContent).toMatch(/credited as entered/);
    fireEvent.click(screen.getByRole("button", { name: "Complete session" }));
    await waitFor(() => expect(completed(calls)).toBeTruthy());
    expect((completed(calls)!.body as { attendance: unknown }).attendance).toEqual([
      { user_id: "olga", minutes: 41 },
      { user_id: "hank", minutes: 30 },
      { user_id: "ivy", minutes: 42 },
    ]);
  });

  it("refuses more minutes than the session has run, with a clear message", async () => {
    const calls = openRoom();
    fireEvent.click(await screen.findByTestId("complete-session"));
    const input = await screen.findByRole("textbox", { name: "Minutes credited to Hank Helper" });
    fireEvent.change(input, { target: { value: "90" } });
    fireEvent.click(screen.getByRole("button", { name: "Complete session" }));
    expect(await screen.findByText("At most 42 min: the session has run 42 min")).toBeTruthy();
    expect(completed(calls)).toBeUndefined();
  });
});

describe("heldMinutes and attendanceToSend", () => {
  it("round the held time as the API does and send attendance only when edited", () => {
    const now = new Date("2026-11-27T10:42:20Z").getTime();
    expect(heldMinutes("2026-11-27T10:00:00Z", now)).toBe(42);
    expect(heldMinutes("2026-11-27T10:42:10Z", now)).toBe(1);
    expect(heldMinutes(null, now)).toBe(0);
    const row = { user_id: "u", full_name: "U", measured: 5, inRoom: false, minutes: 5 };
    expect(attendanceToSend([row])).toBeUndefined();
    expect(attendanceToSend([{ ...row, minutes: "5" }])).toBeUndefined();
    expect(attendanceToSend([{ ...row, minutes: 7 }])).toEqual([{ user_id: "u", minutes: 7 }]);
  });
});

import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { NotificationBell } from "./NotificationBell";
import { NotificationPreferences } from "./NotificationPreferences";
import { renderWithProviders, stubApi } from "../test/render";
import { setTokens } from "../api/tokens";
import type { Schemas } from "../api/types";
import { setLanguage } from "../i18n";

function notice(id: string, kind: Schemas["NotificationKind"], data: Partial<Schemas["NotificationData"]> = {}, read = false): Schemas["NotificationRead"] {
  return {
    id,
    kind,
    data: { actor_name: "Olga Owner", project_title: "Helix renewal", ...data } as Schemas["NotificationData"],
    link: kind === "help_request" ? "/notifications" : "/projects/p1",
    read_at: read ? "2026-12-01T10:00:00Z" : null,
    created_at: "2026-12-01T09:00:00Z",
  };
}

/** A stream the test writes to: what the server would push on /notifications/events. */
function liveStream() {
  let push: (text: string) => void = () => undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
      controller.enqueue(new TextEncoder().encode("retry: 60000\n\n"));
    },
  });
  return { body, send: (text: string) => push(text) };
}

describe("NotificationBell", () => {
  it("shows the unread count and updates it when the stream says a notification came", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const stream = liveStream();
    let pages = 0;
    stubApi([
      ["GET", /\/notifications\/events$/, () => new Response(stream.body, { status: 200, headers: { "Content-Type": "text/event-stream" } })],
      [
        "GET",
        /\/notifications\?/,
        () => {
          pages += 1;
          const items = pages === 1 ? [notice("n1", "project_invitation")] : [notice("n2", "session_scheduled", { session_title: "Pricing" }), notice("n1", "project_invitation")];
          return { items, next_cursor: null, unread_count: items.length };
        },
      ],
    ]);
    renderWithProviders(<NotificationBell />);
    const bell = await screen.findByTestId("bell");
    await waitFor(() => expect(bell.getAttribute("data-unread")).toBe("1"));
    expect(bell.getAttribute("aria-label")).toBe("Notifications: 1 unread");
    stream.send('id: n2\nevent: notification.created\ndata: {"id":"n2"}\n\n');
    await waitFor(() => expect(screen.getByTestId("bell").getAttribute("data-unread")).toBe("2"));
    expect(screen.getByTestId("bell-count").textContent).toContain("2");
  });

  it("opens the inbox, words each notice, marks all read and answers a help request", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/notifications\/events$/, () => new Response(liveStream().body, { status: 200 })],
      [
        "GET",
        /\/notifications\?/,
        () => ({
          items: [
            notice("h", "help_request", { help_request_id: "hr1", help_request_state: "pending", message: "Pricing, 30 minutes?" }),
            notice("a", "help_request_answered", { actor_name: "Hank Helper", help_request_state: "declined" }),
            notice("i", "project_invitation", {}, true),
          ],
          next_cursor: null,
          unread_count: 2,
        }),
      ],
      ["POST", /\/notifications\/read-all$/, () => ({ marked: 2 })],
      ["POST", /\/notifications\/h\/read$/, () => notice("h", "help_request", {}, true)],
      [
        "POST",
        /\/help-requests\/hr1\/accept$/,
        () => ({
          id: "hr1",
          project_id: "p1",
          project_title: "Helix renewal",
          requester_id: "o",
          requester_name: "Olga Owner",
          user_id: "me",
          message: "",
          state: "accepted",
          created_at: "2026-12-01T09:00:00Z",
          answered_at: "2026-12-01T09:05:00Z",
        }),
      ],
    ]);
    renderWithProviders(<NotificationBell />);
    fireEvent.click(await screen.findByTestId("bell"));
    const inbox = await screen.findByTestId("inbox");
    const items = within(inbox).getAllByTestId("notification");
    expect(items.map((item) => item.querySelector("a")?.textContent)).toEqual([
      "Olga Owner asks for your help on Helix renewal",
      "Hank Helper declined your request to help on Helix renewal",
      "Olga Owner invited you to Helix renewal",
    ]);
    expect(items.map((item) => item.getAttribute("data-unread"))).toEqual(["true", "true", "false"]);
    expect(within(items[0]).getByText("Pricing, 30 minutes?")).toBeTruthy();
    // Only the help request offers an answer.
    expect(within(items[1]).queryByTestId("help-accept")).toBeNull();

    fireEvent.click(within(items[0]).getByRole("button", { name: "Accept: help on Helix renewal" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/help-requests/hr1/accept")).toBe(true));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/notifications/h/read")).toBe(true));

    fireEvent.click(within(inbox).getByRole("button", { name: "Mark all read" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/notifications/read-all")).toBe(true));
  });
});

describe("the notices that come with time", () => {
  const overdue = () =>
    notice("o", "action_item_overdue", { action_item_title: "Send the deck", due_on: "2026-12-03" });
  const weekly = () =>
    notice("w", "weekly_summary", {
      week_starts_on: "2026-11-30",
      team_names: ["East", "West"],
      sessions_held: 3,
      minutes_given: 90,
      ideas_adopted: 2,
      projects_won: 1,
      projects_lost: 0,
      overdue_action_items: 4,
    });

  async function words(): Promise<(string | null | undefined)[]> {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      ["GET", /\/notifications\/events$/, () => new Response(liveStream().body, { status: 200 })],
      ["GET", /\/notifications\?/, () => ({ items: [overdue(), weekly()], next_cursor: null, unread_count: 2 })],
    ]);
    renderWithProviders(<NotificationBell />);
    fireEvent.click(await screen.findByTestId("bell"));
    const inbox = await screen.findByTestId("inbox");
    return within(inbox)
      .getAllByTestId("notification")
      .map((item) => item.querySelector("a")?.textContent);
  }

  it("words an overdue item and the weekly summary in English", async () => {
    expect(await words()).toEqual([
      "Overdue since Dec 3: Send the deck on Helix renewal",
      "East, West, Nov 30 – Dec 6: 3 sessions held, 1 h 30 min given by helpers, 2 ideas adopted, 1 won, 0 lost, 4 action items overdue",
    ]);
  });

  it("and in Japanese", async () => {
    await setLanguage("ja");
    try {
      expect(await words()).toEqual([
        "期限切れ（12月3日）: 「Helix renewal」のSend the deck",
        "East、Westの11月30日〜12月6日: セッション3件、ヘルパーの提供時間1時間30分、採用されたアイデア2件、受注1件・失注0件、期限切れのアクションアイテム4件",
      ]);
    } finally {
      await setLanguage("en");
    }
  });
});

describe("NotificationPreferences", () => {
  it("sends each kind's channels and the reminders chosen", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const prefs: Schemas["NotificationPreferencesRead"] = {
      kinds: [
        { kind: "help_request", email: true, in_app: true },
        { kind: "session_reminder", email: true, in_app: true },
      ],
      reminder_minutes: [1440, 15],
    };
    const calls = stubApi([
      ["GET", /\/notification-preferences$/, () => prefs],
      ["PATCH", /\/notification-preferences$/, (request) => request.json()],
    ]);
    renderWithProviders(<NotificationPreferences />);
    fireEvent.click(await screen.findByRole("switch", { name: "Mail: Help requests" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "15 minutes before" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "1 hour before" }));
    fireEvent.click(screen.getByRole("button", { name: "Save notification settings" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const sent = calls.find((c) => c.method === "PATCH")?.body;
    expect(sent).toEqual({
      kinds: [
        { kind: "help_request", email: false, in_app: true },
        { kind: "session_reminder", email: true, in_app: true },
      ],
      reminder_minutes: [1440, 60],
    });
  });
});

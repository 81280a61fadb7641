import { describe, expect, it } from "vitest";
import { MantineProvider } from "@mantine/core";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { ComposeBar, Countdown, SessionRoomPage } from "./SessionRoom";
import { json, renderWithProviders, stubApi } from "../test/render";
import { me, page, sessionRow } from "../test/fixtures";
import { setTokens } from "../api/tokens";
import type { Schemas } from "../api/hooks";

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

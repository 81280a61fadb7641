import { describe, expect, it } from "vitest";
import { fireEvent, screen, within } from "@testing-library/react";
import { SessionsPage } from "./Sessions";
import { renderWithProviders, stubApi } from "../test/render";
import { page, sessionRow } from "../test/fixtures";
import { setTokens } from "../api/tokens";
import { sessionWhen } from "../format";

const DAY = 86_400_000;

describe("SessionsPage", () => {
  it("lists sessions with project and client, soonest first, then held ones by when they were held", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const started = new Date(Date.now() - 3 * DAY);
    const held = sessionRow({
      id: "s2",
      title: "Debrief",
      status: "completed",
      scheduled_at: new Date(Date.now() - 5 * DAY).toISOString(),
      started_at: started.toISOString(),
      completed_at: new Date(started.getTime() + 42 * 60_000).toISOString(),
    });
    const calls = stubApi([
      ["GET", /\/api\/v1\/sessions\?.*status=completed/, () => page([held])],
      ["GET", /\/api\/v1\/sessions\?/, () => page([sessionRow({ client_id: null, client_name: null, project_title: "Prospecting Q1" }), sessionRow({ id: "s3" })])],
    ]);
    renderWithProviders(<SessionsPage />);
    const rows = await screen.findAllByRole("row");
    expect(within(rows[1]).getByRole("link", { name: "Prospecting Q1" }).getAttribute("href")).toBe("/projects/p1");
    expect(within(rows[2]).getByRole("link", { name: "Helix AG" }).getAttribute("href")).toBe("/clients/c1");
    expect(calls.at(-1)?.path).toContain("sort=scheduled_at");

    fireEvent.click(screen.getByText("Completed"));
    expect(await screen.findByText("held 3 days ago, 42 min")).toBeTruthy();
    expect(calls.at(-1)?.path).toContain("sort=-scheduled_at");
  });
});

describe("sessionWhen", () => {
  const now = new Date("2026-11-27T12:00:00Z").getTime();
  it("says when a completed session was held and for how long, not when it was planned", () => {
    const s = sessionRow({
      status: "completed",
      scheduled_at: "2026-11-20T09:00:00Z",
      started_at: "2026-11-24T10:00:00Z",
      completed_at: "2026-11-24T11:12:00Z",
    });
    expect(sessionWhen(s, now)).toBe("held 3 days ago, 1 h 12 min");
    expect(sessionWhen(sessionRow({ status: "live", started_at: "2026-11-27T11:50:00Z" }), now)).toBe("started 10 minutes ago");
    const brief = sessionRow({ status: "completed", started_at: "2026-11-27T11:59:00Z", completed_at: "2026-11-27T11:59:25Z" });
    expect(sessionWhen(brief, now)).toBe("held 1 minute ago, 1 min");
    expect(sessionWhen(sessionRow({ scheduled_at: "2026-11-27T14:00:00Z" }), now)).toBe("in 2 hours");
  });
});

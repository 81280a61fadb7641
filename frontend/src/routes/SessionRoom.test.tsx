import { describe, expect, it } from "vitest";
import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { Countdown } from "./SessionRoom";
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

import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { ProjectPage } from "./ProjectPage";
import { renderWithProviders, stubApi } from "../test/render";
import { me, page } from "../test/fixtures";
import { setTokens } from "../api/tokens";

const project = { id: "p1", title: "Helix renewal", kind: "account", status: "open", owner_id: "owner", client_id: null, objective: "", currency: "EUR" };
const member = (userId: string, role: string, state = "active") => ({
  user_id: userId,
  full_name: userId,
  role,
  state,
  budget_minutes: 60,
  minutes_used: 0,
});

function show(viewer: ReturnType<typeof me>, members: ReturnType<typeof member>[]) {
  setTokens({ access_token: "a", refresh_token: "r" });
  stubApi([
    ["GET", /\/users\/me$/, () => viewer],
    ["GET", /\/users\?/, () => page([])],
    ["GET", /\/projects\/p1$/, () => project],
    ["GET", /\/projects\/p1\/members/, () => page(members)],
    ["GET", /\/projects\/p1\/progress/, () => ({ members: [], minutes_used: 0, budget_minutes: 0, sessions: { held: 0 }, action_items: { open: 0, overdue: 0 } })],
    ["GET", /\/projects\/p1\/sessions/, () => page([])],
    ["GET", /\/projects\/p1\/action-items/, () => page([])],
    ["GET", /\/suggested-helpers/, () => page([])],
  ]);
  renderWithProviders(
    <Routes>
      <Route path="/projects/:projectId" element={<ProjectPage />} />
    </Routes>,
    { route: "/projects/p1" },
  );
}

describe("ProjectPage", () => {
  it("offers no Log time to a manager who is not on the project", async () => {
    show(me("manager", "mona"), [member("owner", "owner")]);
    expect((await screen.findAllByRole("button", { name: "Schedule a session" })).length).toBeGreaterThan(0); // a manager steers
    expect(screen.queryByRole("form", { name: "Log time" })).toBeNull();
    expect(await screen.findByPlaceholderText("Choose")).toBeTruthy(); // not "Me": they are not on the project
  });

  it("offers Log time to an active helper", async () => {
    show(me("rep", "hank"), [member("owner", "owner"), member("hank", "helper")]);
    expect(await screen.findByRole("form", { name: "Log time" })).toBeTruthy();
  });

  it("offers no Log time to a helper who has not accepted yet", async () => {
    show(me("rep", "ivy"), [member("owner", "owner"), member("ivy", "helper", "invited")]);
    expect(await screen.findByText("You are invited to help on this project")).toBeTruthy();
    expect(screen.queryByRole("form", { name: "Log time" })).toBeNull();
  });
});

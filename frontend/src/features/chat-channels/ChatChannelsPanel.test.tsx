import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ChatChannelsPanel } from "./ChatChannelsPanel";
import { renderWithProviders, stubApi } from "../../test/render";
import { page } from "../../test/fixtures";
import { setTokens } from "../../api/tokens";

const slack = {
  id: "ch1",
  team_id: "t1",
  provider: "slack",
  label: "#sales-tokyo",
  events: ["session.scheduled", "project.closed"],
  room_id: null,
  secret_hint: "https://hooks.slack.com/…Xy9Z",
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  last_delivered_at: null,
  last_error: null,
  created_at: "2026-12-01T00:00:00Z",
  updated_at: "2026-12-01T00:00:00Z",
};

const teams = [
  { id: "t1", name: "Tokyo" },
  { id: "t2", name: "Osaka" },
];

function api() {
  return stubApi([
    ["GET", /\/chat-channels\?/, () => page([slack])],
    ["POST", /\/chat-channels$/, () => ({ ...slack, id: "ch2", provider: "chatwork", room_id: "424242", secret_hint: "…abcd" })],
    ["POST", /\/chat-channels\/ch1\/test$/, () => ({ delivered: true, status_code: 200, error: null })],
    ["DELETE", /\/chat-channels\/ch1$/, () => new Response(null, { status: 204 })],
  ]);
}

describe("chat channels on the Team screen", () => {
  it("lists a room by its masked hint, sends a test message and asks before disconnecting", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = api();
    renderWithProviders(<ChatChannelsPanel teams={teams} />);
    const card = await screen.findByTestId("chat-channel");
    expect(within(card).getByText("#sales-tokyo")).toBeTruthy();
    expect(within(card).getByText("https://hooks.slack.com/…Xy9Z")).toBeTruthy();
    expect(within(card).getByText("Session scheduled")).toBeTruthy();
    expect(within(card).getByText("Tokyo")).toBeTruthy();

    fireEvent.click(within(card).getByRole("button", { name: "Send test message" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/chat-channels/ch1/test"))).toBe(true));

    fireEvent.click(within(card).getByRole("button", { name: "Disconnect #sales-tokyo" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/stops hearing about Tokyo's projects/)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Disconnect" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path.endsWith("/chat-channels/ch1"))).toBe(true));
  });

  it("asks each provider for its own fields and sends only those", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = api();
    renderWithProviders(<ChatChannelsPanel teams={teams} />);
    fireEvent.click(await screen.findByRole("button", { name: "Add chat channel" }));
    const dialog = await screen.findByRole("dialog");
    // Slack first: a webhook URL, no token.
    expect(within(dialog).getByRole("textbox", { name: "Webhook URL" })).toBeTruthy();
    expect(within(dialog).queryByLabelText("API token")).toBeNull();

    fireEvent.click(within(dialog).getByText("Chatwork"));
    expect(within(dialog).queryByRole("textbox", { name: "Webhook URL" })).toBeNull();
    fireEvent.change(within(dialog).getByLabelText("API token"), { target: { value: "cw-secret-token-1234" } });
    fireEvent.change(within(dialog).getByRole("textbox", { name: /Room ID/ }), { target: { value: "424242" } });
    // Events: one more ticked, one unticked.
    fireEvent.click(within(dialog).getByRole("checkbox", { name: "Project opened" }));
    fireEvent.click(within(dialog).getByRole("checkbox", { name: "Action item created" }));
    fireEvent.click(within(dialog).getByRole("button", { name: "Connect" }));

    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/chat-channels"))).toBe(true));
    const sent = calls.find((c) => c.method === "POST" && c.path.endsWith("/chat-channels"))?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ provider: "chatwork", team_id: "t1", api_token: "cw-secret-token-1234", room_id: "424242" });
    expect(sent).not.toHaveProperty("webhook_url");
    expect([...(sent.events as string[])].sort()).toEqual(["project.closed", "project.created", "session.completed", "session.scheduled"]);
  });

  it("says so when the person manages no team", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    api();
    renderWithProviders(<ChatChannelsPanel teams={[]} />);
    expect(await screen.findByText(/You manage no team yet/)).toBeTruthy();
  });
});

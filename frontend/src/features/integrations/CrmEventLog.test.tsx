import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { SettingsPage } from "../../routes/Settings";
import { renderWithProviders, stubApi } from "../../test/render";
import { me, page } from "../../test/fixtures";
import { setTokens } from "../../api/tokens";
import type { Schemas } from "../../api/types";

const connection = {
  id: "c1",
  name: "Our Pipedrive",
  provider: "pipedrive",
  webhook_url: "/api/v1/hooks/crm/c1",
  default_owner_id: "me",
  basic_username: "mastermind-c1",
  api_token_set: false,
  missing: ["api_token: without it owners are not resolved (new deals go to the default owner)"],
  last_event_at: new Date(Date.now() - 5 * 60_000).toISOString(),
  failed_events: 1,
  created_at: "2026-11-01T00:00:00Z",
  updated_at: "2026-11-01T00:00:00Z",
};

function event(id: string, over: Partial<Schemas["CrmInboundEventRead"]> = {}): Schemas["CrmInboundEventRead"] {
  return {
    id,
    connection_id: "c1",
    external_id: `ext-${id}`,
    event_type: "deal.updated",
    result: "updated",
    reason: "",
    attempts: 1,
    next_attempt_at: null,
    client_id: "cl1",
    project_id: "p1",
    project_title: "Helix rollout",
    payload: "{}",
    created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
    updated_at: new Date(Date.now() - 4 * 60_000).toISOString(),
    ...over,
  };
}

/** The API as the event log reads it: two pages of all events, one page of failed ones; a
 * retried event reads as pending from then on. */
function admin() {
  let retried = false;
  const failed = () =>
    event("e2", {
      event_type: "deal.added",
      result: retried ? "pending" : "failed",
      reason: retried ? "Retry requested" : "The owner's email matches nobody here",
      attempts: retried ? 0 : 3,
      project_id: null,
      project_title: null,
    });
  return stubApi([
    ["GET", /\/users\/me$/, () => me("admin")],
    ["GET", /\/users\?/, () => page([{ id: "me", full_name: "Ada Admin", is_active: true }])],
    ["GET", /\/integrations\/crm\?/, () => page([{ ...connection, failed_events: retried ? 0 : 1 }])],
    ["GET", /\/integrations\/crm\/c1\/events\?.*result=failed/, () => page(retried ? [] : [failed()])],
    ["GET", /\/integrations\/crm\/c1\/events\?.*cursor=next/, () => page([event("e3", { event_type: "deal.deleted", result: "ignored", reason: "Unknown deal", project_id: null, project_title: null })])],
    ["GET", /\/integrations\/crm\/c1\/events\?/, () => ({ items: [event("e1", { result: "created", event_type: "deal.added" }), failed()], next_cursor: "next" })],
    [
      "POST",
      /\/integrations\/crm\/c1\/events\/e2\/retry$/,
      () => {
        retried = true;
        return new Response(JSON.stringify(failed()), { status: 202, headers: { "Content-Type": "application/json" } });
      },
    ],
  ]);
}

async function openLog() {
  setTokens({ access_token: "a", refresh_token: "r" });
  const calls = admin();
  renderWithProviders(<SettingsPage />, { route: "/settings?tab=crm" });
  fireEvent.click(await screen.findByRole("button", { name: "Event log of Our Pipedrive" }));
  const drawer = await screen.findByRole("dialog", { name: "Events from Our Pipedrive" });
  return { calls, drawer };
}

describe("CRM event log", () => {
  it("lists each event with its result, reason and project, newest first, and loads more", async () => {
    const { calls, drawer } = await openLog();
    const rows = await within(drawer).findAllByTestId("crm-event");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText("Created")).toBeTruthy();
    expect(within(rows[0]).getByText("5 minutes ago")).toBeTruthy(); // received
    expect(within(rows[0]).getByText("4 minutes ago")).toBeTruthy(); // applied
    expect(within(rows[0]).getByRole("link", { name: "Helix rollout" }).getAttribute("href")).toBe("/projects/p1");
    expect(within(rows[0]).queryByRole("button", { name: /Retry/ })).toBeNull(); // applied: nothing to retry
    expect(within(rows[1]).getByText("Failed")).toBeTruthy();
    expect(within(rows[1]).getByText("The owner's email matches nobody here")).toBeTruthy();
    expect(within(rows[1]).getByText("3 attempts")).toBeTruthy();

    fireEvent.click(within(drawer).getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(within(drawer).getAllByTestId("crm-event")).toHaveLength(3));
    expect(within(drawer).getByText("Ignored")).toBeTruthy();
    expect(within(drawer).queryByRole("button", { name: "Load more" })).toBeNull(); // the last page
    expect(calls.some((c) => c.method === "GET" && /\/events\?.*cursor=next/.test(c.path))).toBe(true);
  });

  it("says what the connection cannot read without an API token, in the row and in the log", async () => {
    const { drawer } = await openLog();
    expect(within(drawer).getByTestId("crm-missing").textContent).toMatch(/owners are not resolved/);
    expect(within(drawer).getByTestId("crm-missing").textContent).toMatch(/connect the CRM again with its token/);
    expect(screen.getAllByText(/No API token: owners are not resolved/).length).toBeGreaterThanOrEqual(2);
  });

  it("says in the connection's row when its CRM last sent and opens its failed events from there", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = admin();
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=crm" });
    expect(await screen.findByText("last 5 minutes ago")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Failed events of Our Pipedrive" }));
    const drawer = await screen.findByRole("dialog", { name: "Events from Our Pipedrive" });
    await waitFor(() => expect(within(drawer).getAllByTestId("crm-event")).toHaveLength(1));
    expect(within(drawer).getByText("Failed")).toBeTruthy();
    expect(calls.some((c) => c.method === "GET" && /\/events\?.*result=failed/.test(c.path))).toBe(true);
    expect(calls.some((c) => c.method === "GET" && /\/events\?/.test(c.path) && !/result=/.test(c.path))).toBe(false);
  });

  it("shows failed events only when asked, from the API's filter", async () => {
    const { calls, drawer } = await openLog();
    await within(drawer).findAllByTestId("crm-event");
    fireEvent.click(within(drawer).getByRole("radio", { name: "Failed only" }));
    await waitFor(() => expect(calls.some((c) => c.method === "GET" && /\/events\?.*result=failed/.test(c.path))).toBe(true));
    await waitFor(() => expect(within(drawer).getAllByTestId("crm-event")).toHaveLength(1));
    expect(within(drawer).getByText("Failed")).toBeTruthy();
    expect(within(drawer).queryByText("Created")).toBeNull();
  });

  it("retries a failed event and reads the log again: it is pending, and out of the failed list", async () => {
    const { calls, drawer } = await openLog();
    fireEvent.click(within(drawer).getByRole("radio", { name: "Failed only" }));
    fireEvent.click(await within(drawer).findByRole("button", { name: "Retry deal.added" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/events/e2/retry"))).toBe(true));
    expect(await within(drawer).findByText("No failed events — nothing to retry.")).toBeTruthy();
    expect(await screen.findByText("Event queued again; it is applied in a moment")).toBeTruthy();
    // The connection's row no longer counts it as failed.
    await waitFor(() => expect(screen.queryByRole("button", { name: "Failed events of Our Pipedrive" })).toBeNull());
    // Back on all events, the log is read anew: the event is pending, with no Retry.
    const listed = calls.filter((c) => c.method === "GET" && /\/events\?/.test(c.path) && !/result=/.test(c.path)).length;
    fireEvent.click(within(drawer).getByRole("radio", { name: "All events" }));
    await waitFor(() => expect(within(drawer).getByText("Pending")).toBeTruthy());
    expect(calls.filter((c) => c.method === "GET" && /\/events\?/.test(c.path) && !/result=/.test(c.path)).length).toBeGreaterThan(listed);
    expect(within(drawer).queryByRole("button", { name: "Retry deal.added" })).toBeNull();
  });
});

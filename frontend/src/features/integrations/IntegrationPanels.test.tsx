import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { SettingsPage } from "../../routes/Settings";
import { renderWithProviders, stubApi } from "../../test/render";
import { me, page } from "../../test/fixtures";
import { setTokens } from "../../api/tokens";

const key = {
  id: "k1",
  name: "Nightly export",
  prefix: "mm_live_ab12",
  scopes: ["sessions:read"],
  created_by_id: "me",
  last_used_at: null,
  expires_at: null,
  created_at: "2026-11-01T00:00:00Z",
};

const connection = {
  id: "c1",
  name: "Our HubSpot",
  provider: "hubspot",
  webhook_url: "/api/v1/hooks/crm/c1",
  default_owner_id: "me",
  api_token_set: false,
  missing: ["access_token: without it only what HubSpot's webhooks carry is applied"],
  created_at: "2026-11-01T00:00:00Z",
};

function admin() {
  return stubApi([
    ["GET", /\/users\/me$/, () => me("admin")],
    ["GET", /\/users\?/, () => page([{ id: "me", full_name: "Ada Admin", is_active: true }])],
    ["GET", /\/api-keys\?/, () => page([key])],
    ["DELETE", /\/api-keys\/k1$/, () => new Response(null, { status: 204 })],
    ["GET", /\/integrations\/crm\?/, () => page([connection])],
    ["DELETE", /\/integrations\/crm\/c1$/, () => new Response(null, { status: 204 })],
  ]);
}

describe("integration settings", () => {
  it("asks before revoking an API key, naming what stops working", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = admin();
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=api-keys" });
    fireEvent.click(await screen.findByRole("button", { name: "Revoke Nightly export" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/gets 401 from its next request on/)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Revoke key" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path.endsWith("/api-keys/k1"))).toBe(true));
  });

  it("asks before removing a CRM connection", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = admin();
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=crm" });
    fireEvent.click(await screen.findByRole("button", { name: "Remove Our HubSpot" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/webhook URL stops working at once/)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove connection" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.path.endsWith("/integrations/crm/c1"))).toBe(true));
  });

  it("says 'Choose a default owner' instead of a UUID parser error, and sends nothing", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = admin();
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=crm" });
    fireEvent.click(await screen.findByRole("button", { name: "Connect a CRM" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByRole("textbox", { name: "Name" }), { target: { value: "Pipes" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Connect" }));
    expect(await within(dialog).findByText("Choose a default owner")).toBeTruthy();
    expect(screen.queryByText(/valid UUID/)).toBeNull();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("shows which connections read nothing from their CRM, and why", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    admin();
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=crm" });
    const badge = await screen.findByText("No API token");
    expect(badge.closest("[title]")?.getAttribute("title")).toMatch(/only what HubSpot's webhooks carry/);
  });
});

import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { SettingsPage } from "../../routes/Settings";
import { json, renderWithProviders, stubApi } from "../../test/render";
import { me, organization, page } from "../../test/fixtures";
import { setTokens } from "../../api/tokens";
import { changedSettings, currencies, timeZones } from "./OrganizationPanel";

const withEtag = (body: unknown, etag: string) => json(body, 200, { ETag: etag });

function stubFor(role: "admin" | "manager" | "rep", patch: (request: Request) => Response | Promise<Response>) {
  let version = 1;
  const sent: { ifMatch: string | null; body: unknown }[] = [];
  const calls = stubApi([
    ["GET", /\/users\/me$/, () => me(role)],
    ["GET", /\/users\?/, () => page([])],
    ["GET", /\/teams\?/, () => page([])],
    ["GET", /\/integrations\/crm/, () => page([])],
    ["GET", /\/organization$/, () => withEtag(organization({ ledger_rebuilt_at: "2026-11-30T09:00:00Z", name: `Acme Sales v${version}` }), `"v${version}"`)],
    [
      "PATCH",
      /\/organization$/,
      async (request) => {
        sent.push({ ifMatch: request.headers.get("If-Match"), body: await request.clone().json() });
        const answer = await patch(request);
        if (answer.ok) version += 1;
        return answer;
      },
    ],
  ]);
  return { calls, sent, bump: () => (version += 1) };
}

async function openOrganization() {
  renderWithProviders(<SettingsPage />, { route: "/settings?tab=organization" });
  return screen.findByRole("form", { name: "Organization settings" });
}

describe("organization settings", () => {
  it("lets an admin change the fiscal year start, sending only that with the read's ETag as If-Match", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const { sent } = stubFor("admin", async (request) =>
      withEtag(organization({ ...(await request.json()), name: "Acme Sales v2", ledger_rebuilt_at: "2026-11-30T09:00:00Z" }), `"v2"`),
    );
    const form = await openOrganization();
    expect(screen.getByRole("tab", { name: "Organization" }).getAttribute("aria-selected")).toBe("true");
    expect(within(form).getByTestId("ledger-rebuilt").textContent).toMatch(/^Ledger rebuilt /);
    expect(within(form).getByText(/Changing it rebuilds the ledger/)).toBeTruthy();
    expect((within(form).getByRole("button", { name: "Save settings" }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(within(form).getByRole("combobox", { name: /Fiscal year starts in/ }));
    fireEvent.click(await screen.findByRole("option", { name: "January", hidden: true }));
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    await screen.findByText("Organization settings saved");
    expect(sent).toEqual([{ ifMatch: '"v1"', body: { fiscal_year_start_month: 1 } }]);
  });

  it("shows a 412 as someone else's change and reads the settings again", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const stub = stubFor("admin", () => {
      stub.bump(); // someone saved in between: the next read is theirs
      return json({ title: "Precondition Failed", status: 412, detail: "The resource changed" }, 412);
    });
    const form = await openOrganization();
    fireEvent.change(within(form).getByRole("textbox", { name: "Name" }), { target: { value: "Acme Japan" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText(/Someone changed the settings; reloaded/)).toBeTruthy();
    // The form shows the fresh read (the other person's name), not the edit that failed.
    await waitFor(() =>
      expect((within(screen.getByRole("form", { name: "Organization settings" })).getByRole("textbox", { name: "Name" }) as HTMLInputElement).value).toBe(
        "Acme Sales v2",
      ),
    );
    expect(stub.calls.filter((c) => c.method === "GET" && c.path.endsWith("/organization"))).toHaveLength(2);
  });

  it("puts a 422 about the time zone under the time zone", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubFor("admin", () =>
      json({ title: "Unprocessable", status: 422, errors: [{ loc: ["body", "time_zone"], msg: "Value error, unknown time zone", type: "value_error" }] }, 422),
    );
    const form = await openOrganization();
    const zone = within(form).getByRole("combobox", { name: /Time zone/ });
    zone.focus(); // typed, not autofilled: Mantine searches only in the focused input
    fireEvent.change(zone, { target: { value: "Berlin" } });
    fireEvent.click(await screen.findByRole("option", { name: "Europe/Berlin", hidden: true }));
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    expect(await within(form).findByText("Unknown time zone")).toBeTruthy();
  });

  it("shows a rep the values read-only", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const { calls } = stubFor("rep", () => json({}, 500));
    renderWithProviders(<SettingsPage />, { route: "/settings?tab=organization" });
    const values = await screen.findByTestId("organization-values");
    expect(within(values).getByText("Asia/Tokyo")).toBeTruthy();
    expect(within(values).getByText("April")).toBeTruthy();
    expect(within(values).getByText(/^JPY — /)).toBeTruthy();
    expect(within(values).getByText("日本語")).toBeTruthy();
    expect(screen.queryByRole("form", { name: "Organization settings" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Save settings" })).toBeNull();
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  });
});

describe("the pickers' choices", () => {
  it("lists the browser's zones and currencies, and the current one even when the browser does not", () => {
    expect(timeZones("Asia/Tokyo")).toContain("Asia/Tokyo");
    expect(timeZones("UTC")[0]).toBe("UTC");
    expect(currencies("JPY").find((c) => c.value === "JPY")?.label).toBe("JPY — Japanese Yen");
    expect(currencies("XTS")[0].value).toBe("XTS");
  });

  it("sends only what changed", () => {
    const before = organization();
    const values = { name: "Acme Sales", time_zone: "Asia/Tokyo", fiscal_year_start_month: "4", default_currency: "EUR", locale: "ja" as const, share_closed_learnings: true };
    expect(changedSettings(before, values)).toEqual({ default_currency: "EUR", share_closed_learnings: true });
  });
});

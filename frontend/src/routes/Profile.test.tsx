import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ProfilePage } from "./Profile";
import { json, renderWithProviders, stubApi } from "../test/render";
import { fullMe } from "../test/fixtures";
import { getTokens, setTokens } from "../api/tokens";

describe("ProfilePage", () => {
  it("saves a name reading and the language choice, and shows the saved profile", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("rep")],
      ["PATCH", /\/users\/me$/, async (request) => ({ ...fullMe("rep"), ...(await request.json()) })],
    ]);
    renderWithProviders(<ProfilePage />, { route: "/profile" });
    const form = await screen.findByRole("form", { name: "Profile" });
    expect(within(form).getByText(/Kana reading, used for sorting and search/)).toBeTruthy();
    fireEvent.change(within(form).getByRole("textbox", { name: /Name reading/ }), { target: { value: "りた れっぷ" } });
    fireEvent.click(within(form).getByText("English"));
    fireEvent.click(within(form).getByRole("button", { name: "Save profile" }));
    await screen.findByText("Profile saved");
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toEqual({ full_name: "Rita Rep", name_reading: "りた れっぷ", locale: "en", expertise: [] });
    expect((within(form).getByRole("textbox", { name: /Name reading/ }) as HTMLInputElement).value).toBe("りた れっぷ");
  });

  it("clears the reading with null, follows the organization's language with null, and puts 422 errors on the fields", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("rep", { name_reading: "りた", locale: "ja" })],
      [
        "PATCH",
        /\/users\/me$/,
        () => json({ title: "Unprocessable", status: 422, errors: [{ loc: ["body", "full_name"], msg: "String should have at most 200 characters", type: "string_too_long" }] }, 422),
      ],
    ]);
    renderWithProviders(<ProfilePage />, { route: "/profile" });
    const form = await screen.findByRole("form", { name: "Profile" });
    fireEvent.change(within(form).getByRole("textbox", { name: /Name reading/ }), { target: { value: "  " } });
    fireEvent.click(within(form).getByText(/Follow organization/));
    fireEvent.click(within(form).getByRole("button", { name: "Save profile" }));
    expect(await within(form).findByText("At most 200 characters")).toBeTruthy();
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toMatchObject({ name_reading: null, locale: null });
  });

  it("changes the password with the current one; the 401 that follows is renewed by refresh, not a sign-out", async () => {
    setTokens({ access_token: "old", refresh_token: "r1" });
    let changed = false;
    const calls = stubApi([
      ["POST", /\/auth\/refresh$/, () => ({ access_token: "new", refresh_token: "r2", token_type: "bearer", expires_in: 900 })],
      [
        "GET",
        /\/users\/me$/,
        (request) => (changed && request.headers.get("Authorization") === "Bearer old" ? json({ detail: "Token revoked" }, 401) : fullMe("rep")),
      ],
      [
        "PATCH",
        /\/users\/me$/,
        () => {
          changed = true;
          return fullMe("rep");
        },
      ],
    ]);
    renderWithProviders(<ProfilePage />, { route: "/profile" });
    const form = await screen.findByRole("form", { name: "Change password" });
    expect(within(form).getByText(/signs you out on every other device/)).toBeTruthy();
    fireEvent.change(within(form).getByLabelText("Current password"), { target: { value: "old-password-123" } });
    fireEvent.change(within(form).getByLabelText(/^New password/), { target: { value: "a-new-password-456" } });
    fireEvent.change(within(form).getByLabelText("Confirm new password"), { target: { value: "a-new-password-45" } });
    fireEvent.click(within(form).getByRole("button", { name: "Change password" }));
    expect(await within(form).findByText("The passwords do not match")).toBeTruthy();
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);

    fireEvent.change(within(form).getByLabelText("Confirm new password"), { target: { value: "a-new-password-456" } });
    fireEvent.click(within(form).getByRole("button", { name: "Change password" }));
    await screen.findByText(/Password changed/);
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ password: "a-new-password-456", current_password: "old-password-123" });
    await waitFor(() => expect(getTokens()).toEqual({ access_token: "new", refresh_token: "r2" }));
    await waitFor(() => expect(calls.filter((c) => c.path.endsWith("/users/me") && c.method === "GET").length).toBeGreaterThanOrEqual(3));
    expect((within(form).getByLabelText("Current password") as HTMLInputElement).value).toBe("");
  });

  it("says so on the field when the current password is wrong", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      ["GET", /\/users\/me$/, () => fullMe("rep")],
      ["PATCH", /\/users\/me$/, () => json({ title: "Forbidden", status: 403, detail: "The current password is incorrect" }, 403)],
    ]);
    renderWithProviders(<ProfilePage />, { route: "/profile" });
    const form = await screen.findByRole("form", { name: "Change password" });
    fireEvent.change(within(form).getByLabelText("Current password"), { target: { value: "wrong-password" } });
    fireEvent.change(within(form).getByLabelText(/^New password/), { target: { value: "a-new-password-456" } });
    fireEvent.change(within(form).getByLabelText("Confirm new password"), { target: { value: "a-new-password-456" } });
    fireEvent.click(within(form).getByRole("button", { name: "Change password" }));
    expect(await within(form).findByText("The current password is incorrect")).toBeTruthy();
  });
});

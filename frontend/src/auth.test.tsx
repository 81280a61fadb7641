import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { AuthProvider, RequireAuth } from "./auth";
import { LoginPage } from "./routes/Login";
import { getTokens, setTokens } from "./api/tokens";
import { json, renderWithProviders } from "./test/render";

function app(route: string) {
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          path="/clients"
          element={
            <RequireAuth>
              <p>secret clients</p>
            </RequireAuth>
          }
        />
      </Routes>
    </AuthProvider>,
    { route },
  );
}

describe("auth guard and sign-in", () => {
  it("sends a signed-out visitor to sign in, then back where they were going", async () => {
    const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
      const form = new URLSearchParams(String(init.body));
      return form.get("password") === "right-password-123"
        ? json({ access_token: "a", refresh_token: "r", token_type: "bearer", expires_in: 900 })
        : json({ title: "Unauthorized", status: 401, detail: "Incorrect email or password" }, 401);
    });
    vi.stubGlobal("fetch", fetchMock);
    app("/clients");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByText("secret clients")).toBeNull();

    fireEvent.change(screen.getByRole("textbox", { name: "Email" }), { target: { value: "rep@example.com" } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "Incorrect email or password");

    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: "right-password-123" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("secret clients")).toBeTruthy();
    await waitFor(() => expect(getTokens()).toEqual({ access_token: "a", refresh_token: "r" }));
  });

  it("lets a signed-in person straight through", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    app("/clients");
    expect(await screen.findByText("secret clients")).toBeTruthy();
  });
});

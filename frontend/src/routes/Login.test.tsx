import { describe, expect, it } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import { LoginPage, RegisterPage } from "./Login";
import { AuthProvider } from "../auth";
import { json, renderWithProviders, stubApi } from "../test/render";
import { limits } from "../api/limits";

describe("sign-in and register", () => {
  it("the register form's password hint and check are the API's rule", async () => {
    const calls = stubApi([]);
    renderWithProviders(
      <AuthProvider>
        <RegisterPage />
      </AuthProvider>,
    );
    const min = limits.RegisterRequest.password.minLength;
    expect(min).toBe(10); // what api/schemas/users.py says today
    expect(screen.getByText(`At least ${min} characters`)).toBeTruthy();
    fireEvent.change(screen.getByRole("textbox", { name: "Organization" }), { target: { value: "Acme" } });
    fireEvent.change(screen.getByRole("textbox", { name: "Your name" }), { target: { value: "Ada" } });
    fireEvent.change(screen.getByRole("textbox", { name: "Email" }), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: "x".repeat(min - 1) } });
    fireEvent.click(screen.getByRole("button", { name: "Create organization" }));
    expect(await screen.findByText(`At least ${min} characters`, { selector: ".mantine-InputWrapper-error" })).toBeTruthy();
    expect(calls).toHaveLength(0);
  });

  it("says when to try again after too many failed sign-ins", async () => {
    stubApi([
      [
        "POST",
        /\/auth\/token$/,
        () =>
          json(
            { title: "Too Many Requests", status: 429, detail: "Too many failed sign-in attempts; try again later." },
            429,
            { "Retry-After": "120" },
          ),
      ],
    ]);
    renderWithProviders(
      <AuthProvider>
        <LoginPage />
      </AuthProvider>,
      { route: "/login" },
    );
    fireEvent.change(screen.getByRole("textbox", { name: "Email" }), { target: { value: "rep@example.com" } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^Too many failed sign-in attempts\. Try again in 2 minutes \(at .+\)\.$/);
  });
});

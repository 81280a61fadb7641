import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { ClientFormModal } from "./ClientForms";
import { json, renderWithProviders } from "../../test/render";
import { setTokens } from "../../api/tokens";

describe("ClientFormModal", () => {
  it("shows the API's 422 errors next to their fields", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const posted: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request) => {
        if (input.url.includes("/api/v1/users")) return json({ items: [], next_cursor: null });
        posted.push(await input.clone().json());
        expect(input.headers.get("Idempotency-Key")).toBeTruthy();
        return json(
          {
            type: "urn:sales-mastermind:problem:validation",
            title: "Unprocessable Entity",
            status: 422,
            detail: "The request does not validate; see errors.",
            errors: [
              { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
              { loc: ["body", "industry"], msg: "String should have at most 120 characters", type: "string_too_long" },
            ],
          },
          422,
        );
      }),
    );
    renderWithProviders(<ClientFormModal opened onClose={() => {}} />);
    fireEvent.click(await screen.findByRole("button", { name: "Create client" }));
    // In people's words, next to their fields.
    expect(await screen.findByText("Required")).toBeTruthy();
    expect(screen.getByText("At most 120 characters")).toBeTruthy();
    expect(screen.queryByText(/see errors/)).toBeNull();
    const name = screen.getByRole("textbox", { name: "Name" });
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(posted).toHaveLength(1);
  });

  it("shows a business error's detail as a notification", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request) =>
        input.url.includes("/api/v1/users")
          ? json({ items: [], next_cursor: null })
          : json({ type: "about:blank", title: "Conflict", status: 409, detail: "A client with this name exists" }, 409),
      ),
    );
    renderWithProviders(<ClientFormModal opened onClose={() => {}} />);
    fireEvent.change(screen.getByRole("textbox", { name: "Name" }), { target: { value: "Acme" } });
    fireEvent.click(screen.getByRole("button", { name: "Create client" }));
    await waitFor(() => expect(screen.getByText("A client with this name exists")).toBeTruthy());
  });
});

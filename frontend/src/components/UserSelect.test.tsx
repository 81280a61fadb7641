import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { UserSelect } from "./UserSelect";
import { renderWithProviders, stubApi } from "../test/render";
import { setTokens } from "../api/tokens";

const person = (n: number) => ({ id: `u${n}`, full_name: `Person ${n}`, email: `p${n}@example.com`, role: "rep", seniority: "mid", expertise: [], is_active: true });

describe("UserSelect", () => {
  it("offers everyone, past the API's first page of 200", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const first = Array.from({ length: 200 }, (_, i) => person(i + 1));
    const calls = stubApi([
      ["GET", /\/users\?.*cursor=page2/, () => ({ items: [person(201)], next_cursor: null })],
      ["GET", /\/users\?/, () => ({ items: first, next_cursor: "page2" })],
    ]);
    renderWithProviders(<UserSelect label="Owner" />);
    await waitFor(() => expect(calls.filter((c) => c.path.includes("/users"))).toHaveLength(2));
    // Searching for the one on the second page offers them.
    fireEvent.change(screen.getByRole("combobox", { name: "Owner" }), { target: { value: "Person 201" } });
    expect(await screen.findByRole("option", { name: "Person 201", hidden: true })).toBeTruthy();
  });
});

import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { GlobalSearch, hitLabel } from "./GlobalSearch";
import { searchTarget, type SearchHit } from "../features/search/queries";
import { renderWithProviders, stubApi } from "../test/render";
import { setTokens } from "../api/tokens";

const hit = (over: Partial<SearchHit>): SearchHit => ({
  type: "ideas",
  id: "i1",
  title: "Offer a depot pilot",
  snippet: "Offer a depot pilot",
  project_id: "p1",
  project_title: "Fleet renewal",
  client_name: "Northwind",
  result: null,
  verdict: null,
  created_at: "2026-12-01T10:00:00Z",
  ...over,
});

describe("GlobalSearch", () => {
  it("searches everything in one request and groups the hits by type", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      [
        "GET",
        /\/search\?/,
        () => ({
          items: [
            hit({ type: "clients", id: "c1", title: "Northwind", project_id: null, project_title: null }),
            hit({}),
            hit({ type: "outcomes", id: "s1", title: "Opening the door" }),
          ],
          next_cursor: null,
        }),
      ],
    ]);
    renderWithProviders(<GlobalSearch />);
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "売" } }); // one kanji is enough
    await waitFor(() => expect(calls.filter((c) => c.path.includes("/search"))).toHaveLength(1));
    expect(calls.find((c) => c.path.includes("/search"))?.path).toContain("q=%E5%A3%B2");
    expect(await screen.findByRole("option", { name: "Northwind", hidden: true })).toBeTruthy();
    expect(screen.getByRole("option", { name: "Offer a depot pilot — in Fleet renewal · Northwind", hidden: true })).toBeTruthy();
    expect(screen.getByText("Ideas")).toBeTruthy();
    expect(screen.getByText("Outcomes")).toBeTruthy();
  });

  it("opens each hit where it lives, and a closed project's shared learning nowhere", () => {
    expect(searchTarget(hit({ type: "clients", id: "c1" }))).toBe("/clients/c1");
    expect(searchTarget(hit({ type: "projects", id: "p9" }))).toBe("/projects/p9");
    expect(searchTarget(hit({}))).toBe("/projects/p1");
    expect(searchTarget(hit({ type: "outcomes", id: "s1" }))).toBe("/sessions/s1/outcome");
    expect(searchTarget(hit({ project_id: null }))).toBeNull();
    expect(hitLabel(hit({ client_name: null }), (p) => `in ${p}`)).toBe("Offer a depot pilot — in Fleet renewal");
  });
});

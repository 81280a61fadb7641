import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { LedgerPage } from "./Ledger";
import { periodQuery } from "../features/ledger/periods";
import { renderWithProviders, stubApi } from "../test/render";
import { fullMe, ledgerRow, me, page } from "../test/fixtures";
import { setTokens } from "../api/tokens";

describe("LedgerPage", () => {
  it("sorts people by balance, givers first, and shows a zero balance in neutral grey", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    stubApi([
      ["GET", /\/users\/me$/, () => me("rep")],
      ["GET", /\/users\?/, () => page([])],
      [
        "GET",
        /\/ledger/,
        () => ({
          ...page([ledgerRow("t", "Tom Taker", 10, 90), ledgerRow("z", "Zoe Even", 30, 30), ledgerRow("g", "Gina Giver", 120, 0)]),
          since: "2026-10-01",
          until: "2026-11-27",
        }),
      ],
    ]);
    renderWithProviders(<LedgerPage />);
    const table = await screen.findByTestId("ledger-table");
    const names = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((row) => row.querySelector("td")?.textContent);
    expect(names).toEqual(["Gina Giver", "Zoe Even", "Tom Taker"]);
    const colour = (id: string) => {
      const style = within(screen.getByTestId(`ledger-row-${id}`)).getByTestId("balance").getAttribute("style") ?? "";
      return /green/.test(style) ? "green" : /red/.test(style) ? "red" : /gray/.test(style) ? "gray" : style;
    };
    expect([colour("g"), colour("z"), colour("t")]).toEqual(["green", "gray", "red"]);
    expect(within(screen.getByTestId("ledger-row-z")).getByTestId("balance").textContent).toBe("0 min");
  });
});

describe("LedgerPage's period", () => {
  it("asks for this fiscal quarter first, names it from the answer, and asks for what is picked", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("rep")],
      ["GET", /\/users\?/, () => page([])],
      ["GET", /\/ledger\?period=fiscal_year/, () => ({ ...page([]), since: "2026-04-01", until: "2026-12-03", period: "fiscal_year", fiscal_year: 2026, quarter: null })],
      ["GET", /\/ledger\?.*since=2026-11-01/, () => ({ ...page([]), since: "2026-11-01", until: "2026-11-15", period: null, fiscal_year: null, quarter: null })],
      ["GET", /\/ledger/, () => ({ ...page([]), since: "2026-10-01", until: "2026-12-03", period: "fiscal_quarter", fiscal_year: 2026, quarter: 3 })],
    ]);
    renderWithProviders(<LedgerPage />);
    // An April year (the fixture's organization): October to December is its third quarter.
    expect((await screen.findByTestId("period-label")).textContent).toBe("FY2026 Q3 (Oct 1 – Dec 3)");
    expect(calls.some((c) => c.path === "/api/v1/ledger?period=fiscal_quarter")).toBe(true);
    expect(screen.queryByLabelText("Since")).toBeNull();

    fireEvent.click(screen.getByRole("combobox", { name: "Period" }));
    fireEvent.click(await screen.findByRole("option", { name: "This fiscal year", hidden: true }));
    await waitFor(() => expect(screen.getByTestId("period-label").textContent).toBe("FY2026 (Apr 1 – Dec 3)"));

    fireEvent.click(screen.getByRole("combobox", { name: "Period" }));
    fireEvent.click(await screen.findByRole("option", { name: "Custom (since–until)", hidden: true }));
    fireEvent.change(screen.getByLabelText("Since"), { target: { value: "2026-11-01" } });
    fireEvent.change(screen.getByLabelText("Until"), { target: { value: "2026-11-15" } });
    await waitFor(() => expect(screen.getByTestId("period-label").textContent).toBe("Nov 1 – Nov 15, 2026"));
    const last = calls.filter((c) => c.path.startsWith("/api/v1/ledger")).at(-1);
    expect(last?.path).toBe("/api/v1/ledger?since=2026-11-01&until=2026-11-15");
  });
});

describe("periodQuery", () => {
  it("sends a named period alone, or the days given", () => {
    expect(periodQuery("month", "2026-01-01", "")).toEqual({ period: "month" });
    expect(periodQuery("custom", "2026-01-01", "")).toEqual({ since: "2026-01-01", until: undefined });
  });
});

describe("LedgerPage's Ask to help", () => {
  it("sends a real request for a project, with a message, instead of a mail link", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      ["GET", /\/users\/me$/, () => fullMe("manager")],
      ["GET", /\/teams/, () => page([])],
      ["GET", /\/projects\?/, () => page([{ id: "p1", title: "Helix renewal", status: "open" }])],
      ["GET", /\/ledger/, () => ({ ...page([ledgerRow("t", "Tom Taker", 10, 90), ledgerRow("g", "Gina Giver", 120, 0)]), since: "2026-10-01", until: "2026-11-27" })],
      ["POST", /\/help-requests$/, () => ({ id: "hr1", project_id: "p1", project_title: "Helix renewal", requester_id: "me", requester_name: "Mona Manager", user_id: "t", message: "Pricing?", state: "pending", created_at: "2026-12-01T09:00:00Z", answered_at: null })],
    ]);
    renderWithProviders(<LedgerPage />);
    const taker = await screen.findByTestId("ledger-row-t");
    expect(within(screen.getByTestId("ledger-row-g")).queryByTestId("ask-to-help")).toBeNull();
    expect(taker.querySelector("a[href^='mailto:']")).toBeNull();
    fireEvent.click(within(taker).getByTestId("ask-to-help"));
    expect(await screen.findByText("Ask Tom Taker to help")).toBeTruthy();
    // No project chosen: said next to the field, nothing sent.
    fireEvent.click(screen.getByTestId("ask-send"));
    expect(await screen.findByText("Choose the project")).toBeTruthy();
    fireEvent.click(screen.getByRole("combobox", { name: "Project" }));
    fireEvent.click(await screen.findByRole("option", { name: "Helix renewal", hidden: true }));
    fireEvent.change(screen.getByRole("textbox", { name: "Message" }), { target: { value: "Pricing?" } });
    fireEvent.click(screen.getByTestId("ask-send"));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/v1/help-requests")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ user_id: "t", project_id: "p1", message: "Pricing?" });
  });
});

import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import { LedgerPage } from "./Ledger";
import { renderWithProviders, stubApi } from "../test/render";
import { ledgerRow, me, page } from "../test/fixtures";
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

import { describe, expect, it } from "vitest";
import { currencyPlaces, money } from "./format";

describe("money", () => {
  it("writes yen whole and euros with cents, in the currency's own form", () => {
    expect(money("1500000", "JPY", "ja")).toBe("￥1,500,000");
    expect(money("4200.50", "EUR", "en")).toBe("€4,200.50");
    expect(money(null, "EUR", "en")).toBe("—");
  });

  it("falls back to the API's text for a code Intl does not know", () => {
    expect(money("12.5", "Q1", "en")).toBe("12.5 Q1");
  });

  it("knows each currency's places", () => {
    expect(currencyPlaces("JPY")).toBe(0);
    expect(currencyPlaces("KRW")).toBe(0);
    expect(currencyPlaces("EUR")).toBe(2);
    expect(currencyPlaces("KWD")).toBe(3);
  });
});

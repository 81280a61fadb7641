import { describe, expect, it } from "vitest";
import { currencyPlaces, money, periodLabel, type PeriodAnswer } from "./format";

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

describe("periodLabel", () => {
  const upTo = (since: string, until: string, over: Partial<PeriodAnswer>): PeriodAnswer => ({ since, until, ...over });

  it("names an April year's quarters by the fiscal year they start in: Q3 is October to December", () => {
    const q3 = upTo("2026-10-01", "2026-12-03", { period: "fiscal_quarter", fiscal_year: 2026, quarter: 3 });
    expect(periodLabel(q3, 4)).toBe("FY2026 Q3 (Oct 1 – Dec 3)");
    // Q4 of FY2026 is January to March 2027: still FY2026.
    const q4 = upTo("2027-01-01", "2027-02-10", { period: "fiscal_quarter", fiscal_year: 2026, quarter: 4 });
    expect(periodLabel(q4, 4)).toBe("FY2026 Q4 (Jan 1 – Feb 10)");
    const year = upTo("2026-04-01", "2027-02-10", { period: "fiscal_year", fiscal_year: 2026 });
    expect(periodLabel(year, 4)).toBe("FY2026 (Apr 1, 2026 – Feb 10, 2027)");
  });

  it("with a January year, the fiscal periods are the calendar ones, named without FY", () => {
    const q4 = upTo("2026-10-01", "2026-12-03", { period: "fiscal_quarter", fiscal_year: 2026, quarter: 4 });
    expect(periodLabel(q4, 1)).toBe("Q4 2026 (Oct 1 – Dec 3)");
    expect(periodLabel(upTo("2026-01-01", "2026-12-03", { period: "fiscal_year", fiscal_year: 2026 }), 1)).toBe("2026 (Jan 1 – Dec 3)");
  });

  it("names calendar quarters and months whatever the fiscal year", () => {
    expect(periodLabel(upTo("2026-10-01", "2026-12-03", { period: "quarter", fiscal_year: 2026, quarter: 4 }), 4)).toBe("Q4 2026 (Oct 1 – Dec 3)");
    // A month's fiscal_year is its fiscal year's (2026 for January 2027 in an April year): the name uses the month's own.
    expect(periodLabel(upTo("2027-01-01", "2027-01-01", { period: "month", fiscal_year: 2026 }), 4)).toBe("January 2027 (Jan 1)");
    expect(periodLabel(upTo("2026-12-01", "2026-12-03", { period: "month", fiscal_year: 2026 }), 1)).toBe("December 2026 (Dec 1 – Dec 3)");
  });

  it("writes days of one's own choosing with their years", () => {
    expect(periodLabel(upTo("2026-10-05", "2026-11-03", { period: null }), 4)).toBe("Oct 5 – Nov 3, 2026");
    expect(periodLabel(upTo("2026-12-20", "2027-01-03", {}), 4)).toBe("Dec 20, 2026 – Jan 3, 2027");
    expect(periodLabel(upTo("2026-11-03", "2026-11-03", {}), 1)).toBe("Nov 3, 2026");
  });
});

import { describe, expect, it } from "vitest";
import { browserLanguage, chooseLanguage, errors, setLanguage } from ".";
import { money, minutes, relativeTime } from "../format";
import { ApiError } from "../api/problem";

describe("choosing the language", () => {
  it("takes the person's, else the organization's, else the browser's", () => {
    expect(chooseLanguage("ja", "en", "en")).toBe("ja");
    expect(chooseLanguage(null, "ja", "en")).toBe("ja");
    expect(chooseLanguage(null, null, "ja")).toBe("ja");
    expect(chooseLanguage(undefined, "fr", "en")).toBe("en");
  });

  it("reads the browser's first language it speaks", () => {
    expect(browserLanguage(["ja-JP", "en-US"])).toBe("ja");
    expect(browserLanguage(["de-DE", "en-GB"])).toBe("en");
    expect(browserLanguage(["fr"])).toBe("en");
  });
});

describe("in Japanese", () => {
  it("formats words, plurals, times and money in Japanese, and back", async () => {
    await setLanguage("ja");
    try {
      expect(document.documentElement.lang).toBe("ja");
      expect(minutes(90)).toBe("1時間30分");
      expect(relativeTime(new Date(Date.now() - 3 * 86400_000).toISOString())).toBe("3 日前");
      expect(money("1500000", "JPY")).toBe("￥1,500,000");
      expect(errors("problem.inMinutes", { count: 2, at: "16:42" })).toBe("2分後（16:42）");
      const conflict = new ApiError(409, { type: "urn:sales-mastermind:problem:conflict", detail: "An account project keeps its client" });
      expect(conflict.explain()).toBe("現在の状態と矛盾するため実行できません。");
    } finally {
      await setLanguage("en");
    }
    expect(minutes(90)).toBe("1 h 30 min");
    expect(errors("problem.inMinutes", { count: 1, at: "16:42" })).toBe("in 1 minute (at 16:42)");
    expect(new ApiError(409, { detail: "An account project keeps its client" }).explain()).toBe("An account project keeps its client");
  });
});

describe("enum labels", () => {
  it("names every value the API declares, in both languages", async () => {
    const enums = await import("../api/enums");
    const en = (await import("./locales/en/common.json")).default.enum as Record<string, string>;
    const ja = (await import("./locales/ja/common.json")).default.enum as Record<string, string>;
    const values = (Object.values(enums) as readonly (readonly string[])[])
      .flat()
      .filter((value) => /^[a-z_0-9]+$/.test(value));
    expect(values.filter((value) => !(value in en))).toEqual([]);
    expect(values.filter((value) => !(value in ja))).toEqual([]);
  });
});

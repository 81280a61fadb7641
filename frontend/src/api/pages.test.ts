import { describe, expect, it } from "vitest";
import { fetchAllPages } from "./pages";
import { ApiError } from "./problem";
import { json } from "../test/render";

const result = (body: unknown, status = 200) => {
  const response = json(body, status);
  return Promise.resolve(response.ok ? { data: body as never, response } : { error: body, response });
};

describe("fetchAllPages", () => {
  it("follows next_cursor to the last page, in order", async () => {
    const asked: (string | undefined)[] = [];
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      first: { items: [1, 2], next_cursor: "b" },
      b: { items: [3, 4], next_cursor: "c" },
      c: { items: [5], next_cursor: null },
    };
    const all = await fetchAllPages<number>((cursor) => {
      asked.push(cursor);
      return result(pages[cursor ?? "first"]);
    });
    expect(all).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, "b", "c"]);
  });

  it("throws the API's problem when a page fails", async () => {
    await expect(fetchAllPages(() => result({ title: "Forbidden", status: 403, detail: "Not yours" }, 403))).rejects.toBeInstanceOf(ApiError);
  });
});

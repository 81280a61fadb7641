import { describe, expect, it } from "vitest";
import { ApiError, errorMessage, unwrap } from "./problem";

describe("ApiError", () => {
  it("maps 422 errors onto body fields, first message per field", () => {
    const error = new ApiError(422, {
      title: "Unprocessable Entity",
      detail: "The request does not validate; see errors.",
      errors: [
        { loc: ["body", "email"], msg: "not an email", type: "value_error" },
        { loc: ["body", "email"], msg: "second message", type: "x" },
        { loc: ["body", "attendance", 0, "minutes"], msg: "too many", type: "x" },
        { loc: ["query", "limit"], msg: "too big", type: "x" },
      ],
    });
    expect(error.fieldErrors()).toEqual({ email: "not an email", attendance: "too many", query: "too big" });
    expect(errorMessage(error)).toBe("The request does not validate; see errors.");
  });

  it("falls back to the title, then the status, when there is no detail", () => {
    expect(new ApiError(409, { title: "Conflict" }).detail).toBe("Conflict");
    expect(new ApiError(500, undefined).detail).toBe("Request failed (500)");
  });

  it("unwrap throws on an error response even without a body", () => {
    expect(() => unwrap({ data: undefined, error: undefined, response: new Response(null, { status: 404 }) })).toThrow(ApiError);
    expect(unwrap({ data: { ok: 1 }, response: new Response("{}", { status: 200 }) })).toEqual({ ok: 1 });
  });
});

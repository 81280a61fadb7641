import { describe, expect, it } from "vitest";
import { ApiError, errorMessage, humanMessage, retryHint, unwrap } from "./problem";

const validation = (errors: { loc: (string | number)[]; msg: string; type: string }[]) =>
  new ApiError(422, { title: "Unprocessable Entity", detail: "The request does not validate; see errors.", errors });

describe("ApiError", () => {
  it("maps 422 errors onto body fields, first message per field, in plain words", () => {
    const error = validation([
      { loc: ["body", "email"], msg: "Value error, not an email", type: "value_error" },
      { loc: ["body", "email"], msg: "second message", type: "x" },
      { loc: ["body", "attendance", 0, "minutes"], msg: "Input should be less than or equal to 1440", type: "less_than_equal" },
      { loc: ["query", "limit"], msg: "too big", type: "x" },
    ]);
    expect(error.fieldErrors()).toEqual({ email: "Not an email", attendance: "At most 1,440", limit: "too big" });
  });

  it("never says 'see errors' without the errors: a 4,500-character idea", () => {
    const error = validation([{ loc: ["body", "body"], msg: "String should have at most 4000 characters", type: "string_too_long" }]);
    expect(error.fieldErrors()).toEqual({ body: "At most 4,000 characters" });
    expect(errorMessage(error)).toBe("Text: At most 4,000 characters");
    expect(errorMessage(error)).not.toContain("see errors");
  });

  it("asks to choose a missing reference instead of quoting the UUID parser", () => {
    const error = validation([
      { loc: ["body", "default_owner_id"], msg: "Input should be a valid UUID, invalid length: found 0", type: "uuid_parsing" },
      { loc: ["body", "assignee_id"], msg: "Field required", type: "missing" },
      { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
      { loc: ["body", "password"], msg: "String should have at least 10 characters", type: "string_too_short" },
    ]);
    expect(error.fieldErrors()).toEqual({
      default_owner_id: "Choose a default owner",
      assignee_id: "Choose an assignee",
      name: "Required",
      password: "At least 10 characters",
    });
  });

  it("says when to try again after a throttle (Retry-After)", () => {
    const error = new ApiError(
      429,
      { title: "Too Many Requests", detail: "Too many failed sign-in attempts; try again later." },
      new Headers({ "Retry-After": "300" }),
    );
    expect(error.retryAfter).toBe(300);
    expect(errorMessage(error)).toMatch(/^Too many failed sign-in attempts\. Try again in 5 minutes \(at .+\)\.$/);
    expect(retryHint(30)).toBe("in 30 seconds");
    expect(humanMessage({ loc: ["body", "x"], msg: "Input should be greater than or equal to 5", type: "greater_than_equal" })).toBe("At least 5");
  });

  it("falls back to the title, then the status, when there is no detail", () => {
    expect(new ApiError(409, { title: "Conflict" }).detail).toBe("Conflict");
    expect(new ApiError(500, undefined).detail).toBe("Request failed (500)");
    expect(errorMessage(new ApiError(409, { detail: "A client with this name exists" }))).toBe("A client with this name exists");
  });

  it("unwrap throws on an error response even without a body", () => {
    expect(() => unwrap({ data: undefined, error: undefined, response: new Response(null, { status: 404 }) })).toThrow(ApiError);
    expect(unwrap({ data: { ok: 1 }, response: new Response("{}", { status: 200 }) })).toEqual({ ok: 1 });
  });
});

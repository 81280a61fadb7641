import { describe, expect, it, vi } from "vitest";
import { SseParser, streamEvents, type SseEvent } from "./sse";
import { setTokens } from "./tokens";

describe("SseParser", () => {
  it("parses events split across chunks, with ids, comments and retry", () => {
    const parser = new SseParser();
    const events: SseEvent[] = [];
    for (const chunk of ["retry: 3000\n\n: keep-alive\n\nid: 1\nevent: contribution.cre", 'ated\ndata: {"a":', "1}\n", "\nid: 2\r\nevent: vote.changed\r\ndata: x\r\n\r\n"]) {
      events.push(...parser.push(chunk));
    }
    expect(events).toEqual([
      { id: "1", event: "contribution.created", data: '{"a":1}' },
      { id: "2", event: "vote.changed", data: "x" },
    ]);
    expect(parser.retry).toBe(3000);
    expect(parser.lastEventId).toBe("2");
  });

  it("joins multi-line data and defaults the event name", () => {
    const parser = new SseParser();
    expect(parser.push("data: one\ndata:two\n\n")).toEqual([{ id: null, event: "message", data: "one\ntwo" }]);
  });

  it("waits for the \\n of a \\r\\n split across chunks", () => {
    const parser = new SseParser();
    expect(parser.push("data: a\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ id: null, event: "message", data: "a" }]);
  });
});

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

describe("streamEvents", () => {
  it("sends the bearer token and resumes with Last-Event-ID after a drop", async () => {
    setTokens({ access_token: "tok", refresh_token: "r" });
    const controller = new AbortController();
    const headersSeen: Record<string, string>[] = [];
    const received: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: RequestInit) => {
        headersSeen.push(init.headers as Record<string, string>);
        if (headersSeen.length === 1) return new Response(streamOf("retry: 5\n\nid: 7\nevent: vote.changed\ndata: {}\n\n"), { status: 200 });
        controller.abort();
        return new Response(streamOf(""), { status: 200 });
      }),
    );
    await streamEvents("/api/v1/sessions/s1/events", { signal: controller.signal, onEvent: (e) => received.push(`${e.id}:${e.event}`) });
    expect(received).toEqual(["7:vote.changed"]);
    expect(headersSeen[0].Authorization).toBe("Bearer tok");
    expect(headersSeen[0]["Last-Event-ID"]).toBeUndefined();
    expect(headersSeen[1]["Last-Event-ID"]).toBe("7");
  });
});

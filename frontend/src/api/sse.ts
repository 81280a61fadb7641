// Server-Sent Events over fetch (EventSource cannot send the bearer header): a line parser and
// a reconnecting reader that resumes with Last-Event-ID.
import { apiBaseUrl } from "../config";
import { getTokens } from "./tokens";
import { authLost, refreshTokens } from "./client";

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental parser: feed it text chunks as they arrive; it returns complete events. */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;
  lastEventId: string | null = null;
  retry: number | null = null;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let match: RegExpExecArray | null;
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    while ((match = lineEnd.exec(this.buffer))) {
      // A lone "\r" at the end of the buffer may be the first half of "\r\n": wait for more.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, match.index);
      start = match.index + match[0].length;
      const event = this.line(line);
      if (event) out.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      if (this.id !== null) this.lastEventId = this.id;
      if (!this.data.length) {
        this.event = "";
        return null;
      }
      const event = { id: this.lastEventId, event: this.event || "message", data: this.data.join("\n") };
      this.data = [];
      this.event = "";
      return event;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }
}

export interface StreamOptions {
  onEvent: (event: SseEvent) => void;
  onStatus?: (status: "connecting" | "open" | "closed") => void;
  signal: AbortSignal;
  /** Milliseconds before reconnecting when the server did not say (`retry:`). */
  retryMs?: number;
}

/** Reads a session's event stream until aborted, reconnecting with Last-Event-ID. */
export async function streamEvents(path: string, options: StreamOptions): Promise<void> {
  const { onEvent, onStatus, signal } = options;
  let lastEventId: string | null = null;
  let retryMs = options.retryMs ?? 3000;
  let refreshed = false;
  while (!signal.aborted) {
    onStatus?.("connecting");
    const parser = new SseParser();
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      const tokens = getTokens();
      if (tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      const response = await fetch(`${apiBaseUrl()}${path}`, { headers, signal });
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        if (!(await refreshTokens())) return authLost();
        continue;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      refreshed = false;
      onStatus?.("open");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) onEvent(event);
        if (parser.lastEventId) lastEventId = parser.lastEventId;
        if (parser.retry !== null) retryMs = parser.retry;
      }
    } catch {
      if (signal.aborted) break;
    }
    onStatus?.("closed");
    if (signal.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
  onStatus?.("closed");
}

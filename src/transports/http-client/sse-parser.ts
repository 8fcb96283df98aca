/**
 * An SSE parser for the client transport: a byte stream in, events out (the WHATWG event-stream format). Each
 * chunk is scanned once, a partial line is held as parts until its end arrives, and a line past the limit ends
 * the stream: a server that never sends a newline costs linear time and bounded memory.
 */
import { TrellisError } from "../../protocol/errors.js";

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** The longest line accepted by default: 16 MiB of characters. */
export const DEFAULT_MAX_SSE_LINE = 16 * 1024 * 1024;

/** parseSse turns a byte stream into SSE events; a line longer than `maxLineChars` throws RESPONSE_TOO_LARGE. */
export async function* parseSse(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  maxLineChars = DEFAULT_MAX_SSE_LINE,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let held: string[] = [];
  let heldChars = 0;
  /** The last chunk ended with CR: an LF starting the next one is the rest of that CRLF. */
  let afterCr = false;
  let ev: SseEvent = { data: "" };
  let hasData = false;
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });

  /** Takes one complete line; returns the event it completes, if any. */
  const take = (line: string): SseEvent | undefined => {
    if (line === "") {
      const done = hasData || ev.id !== undefined || ev.retry !== undefined ? ev : undefined;
      ev = { data: "" };
      hasData = false;
      return done;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      ev.data = hasData ? `${ev.data}\n${value}` : value;
      hasData = true;
    } else if (field === "id") ev.id = value;
    else if (field === "event") ev.event = value;
    else if (field === "retry" && /^\d+$/.test(value)) ev.retry = Number(value);
    return undefined;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      let start = afterCr && text.startsWith("\n") ? 1 : 0;
      afterCr = false;
      for (let i = start; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        const line = held.length ? held.join("") + text.slice(start, i) : text.slice(start, i);
        held = [];
        heldChars = 0;
        if (c === 13) {
          if (i + 1 < text.length) {
            if (text.charCodeAt(i + 1) === 10) i++;
          } else afterCr = true;
        }
        start = i + 1;
        const event = take(line);
        if (event) yield event;
      }
      if (start < text.length) {
        held.push(text.slice(start));
        heldChars += text.length - start;
        if (heldChars > maxLineChars)
          throw new TrellisError("RESPONSE_TOO_LARGE", `the server sent an SSE line longer than ${maxLineChars} characters`);
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Left early (a throw, or the consumer stopped): release the connection.
    void reader.cancel().catch(() => {});
  }
}

/** An SSE parser for the client transport: a byte stream in, events out (the WHATWG event-stream format). */

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** parseSse turns a byte stream into SSE events (the WHATWG event-stream format). */
export async function* parseSse(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let ev: SseEvent = { data: "" };
  let hasData = false;
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.search(/\r\n|\r|\n/)) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(buf[nl] === "\r" && buf[nl + 1] === "\n" ? nl + 2 : nl + 1);
        if (line === "") {
          if (hasData || ev.id !== undefined || ev.retry !== undefined) yield ev;
          ev = { data: "" };
          hasData = false;
          continue;
        }
        if (line.startsWith(":")) continue;
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
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

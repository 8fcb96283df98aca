/**
 * EventLog: what the dashboard tells its pages, as one SSE stream each. Every event is kept (within a count and a
 * byte budget) so that a page opened later, or reloaded, sees what happened before it; a message too large to
 * carry to every page is shown by its size instead.
 */
import { sseEvent } from "../internal/sse.js";

/** The most events and bytes of events kept for pages that open later, and the largest message an event carries whole. */
const MAX_BACKLOG = 2000;
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const MAX_EVENT_MESSAGE = 256 * 1024;

export class EventLog {
  readonly #listeners = new Set<(event: string) => void>();
  readonly #backlog: string[] = [];
  #backlogBytes = 0;
  #seq = 0;

  /** emit sends an event to every open page and keeps it for pages that open later. */
  emit(event: Record<string, unknown>): void {
    let text = JSON.stringify({ ...event, seq: ++this.#seq, at: Date.now() });
    if (text.length > MAX_EVENT_MESSAGE) {
      // A huge message is shown by its size, not carried whole to every page (and kept).
      const m = event.message as { method?: unknown; id?: unknown } | undefined;
      text = JSON.stringify({
        ...event,
        message: { method: m?.method, id: m?.id, truncated: true, bytes: text.length },
        seq: this.#seq,
        at: Date.now(),
      });
    }
    this.#backlog.push(text);
    this.#backlogBytes += text.length;
    while (this.#backlog.length > MAX_BACKLOG || this.#backlogBytes > MAX_BACKLOG_BYTES)
      this.#backlogBytes -= this.#backlog.shift()!.length;
    for (const l of this.#listeners) l(text);
  }

  /**
   * stream is one page's event stream: the backlog, then `now` (the state as it is now, never kept — it is what
   * the page shows, whatever older events in the backlog said), then every event as it happens, until the page
   * goes or `end` is called.
   */
  stream(now: Record<string, unknown>[]): Response {
    const enc = new TextEncoder();
    let listener: ((event: string) => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const send = (text: string) => {
          if (text === "") {
            try {
              controller.close();
            } catch {}
            return;
          }
          controller.enqueue(enc.encode(sseEvent(text)));
        };
        for (const e of this.#backlog) send(e);
        for (const e of now) send(JSON.stringify({ ...e, seq: this.#seq, at: Date.now() }));
        listener = send;
        this.#listeners.add(send);
      },
      cancel: () => {
        if (listener) this.#listeners.delete(listener);
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
  }

  /** end closes every page's stream. */
  end(): void {
    for (const l of this.#listeners) l("");
    this.#listeners.clear();
  }
}

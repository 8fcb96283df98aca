/**
 * Server-sent events: the wire format and SseChannel, a stream of events that the core writes to and a
 * runtime adapter (Node, fetch) drains. The channel buffers until the adapter attaches.
 */
import { sseComment, sseEvent } from "../../internal/sse.js";

/** SseWriter is what an adapter gives a channel: a place to write chunks and a way to end the response. */
export interface SseWriter {
  write(chunk: string): void;
  end(): void;
}

/** formatEvent renders one event of an MCP stream (its id, and the retry of a priming event): internal/sse.ts. */
export function formatEvent(id: string, data: string, retryMs?: number): string {
  return sseEvent(data, { id, retryMs });
}

/**
 * How long a stream may stay silent before a comment line goes out: proxies and load balancers cut connections
 * idle for a minute or so, and a GET or listen stream can be quiet for much longer. Clients ignore comments.
 */
export const KEEP_ALIVE_MS = 20_000;
const KEEP_ALIVE = sseComment("keep-alive");

export class SseChannel {
  #writer?: SseWriter;
  #pending: string[] = [];
  #ended = false;
  readonly #keepAliveMs: number;
  #timer?: ReturnType<typeof setInterval>;
  #lastWrite = 0;

  constructor(options: { keepAliveMs?: number } = {}) {
    this.#keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  }
  /** Called once if the client goes away before the channel ends. */
  ondetach?: () => void;
  /** Called once when the channel ends, either way. */
  onend?: () => void;

  get ended(): boolean {
    return this.#ended;
  }

  /** attach connects the adapter's writer; buffered chunks are written first. */
  attach(writer: SseWriter): void {
    this.#writer = writer;
    if (this.#pending.length) {
      writer.write(this.#pending.join(""));
      this.#pending = [];
    }
    this.#lastWrite = Date.now();
    if (this.#ended) return writer.end();
    if (this.#keepAliveMs > 0 && this.#keepAliveMs !== Infinity) {
      // Checked twice a period, so no stream stays silent much past it.
      this.#timer = setInterval(
        () => {
          if (Date.now() - this.#lastWrite >= this.#keepAliveMs / 2) this.write(KEEP_ALIVE);
        },
        Math.max(1, this.#keepAliveMs / 2),
      );
      this.#timer.unref?.();
    }
  }

  write(chunk: string): void {
    if (this.#ended) return;
    this.#lastWrite = Date.now();
    if (this.#writer) this.#writer.write(chunk);
    else this.#pending.push(chunk);
  }

  /** end finishes the response. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#writer?.end();
    this.onend?.();
  }

  /** detach is called by the adapter when the client disconnects. */
  detach(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#writer = undefined;
    this.ondetach?.();
    this.onend?.();
  }
}

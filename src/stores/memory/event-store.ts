/** MemoryEventStore keeps SSE events in process memory: for tests, and servers that need no restart safety. */
import type { JsonRpcMessage } from "../../protocol/types.js";
import { DEFAULT_EVENT_RETENTION_MS, type EventStore, type StoredEvent } from "../event-store.js";

interface Stream {
  sessionId: string;
  events: StoredEvent[];
  touched: number;
}

export class MemoryEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>();
  readonly #retention: number;
  readonly #sweeper: ReturnType<typeof setInterval>;

  /** Events older than `retentionMs` (default 15 minutes) are forgotten. */
  constructor(options: { retentionMs?: number } = {}) {
    this.#retention = options.retentionMs ?? DEFAULT_EVENT_RETENTION_MS;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(this.#retention, 60_000));
    this.#sweeper.unref?.();
  }

  append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage): void {
    let s = this.#streams.get(streamId);
    if (!s) this.#streams.set(streamId, (s = { sessionId, events: [], touched: 0 }));
    s.events.push({ seq, message });
    s.touched = Date.now();
  }

  replay(sessionId: string, streamId: string, afterSeq: number): StoredEvent[] | undefined {
    const s = this.#streams.get(streamId);
    if (!s || s.sessionId !== sessionId) return undefined;
    return s.events.filter((e) => e.seq > afterSeq);
  }

  deleteSession(sessionId: string): void {
    for (const [id, s] of this.#streams) if (s.sessionId === sessionId) this.#streams.delete(id);
  }

  /** sweep drops streams untouched for longer than the retention. */
  sweep(now = Date.now()): void {
    for (const [id, s] of this.#streams) if (now - s.touched > this.#retention) this.#streams.delete(id);
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#streams.clear();
  }
}

/**
 * RedisEventStore: resumable SSE streams as Redis Streams (entry id = the event's sequence number), so a client
 * that resumes with Last-Event-ID on another node gets exactly what it missed. Each stream, its owner and the
 * session's index expire after the retention, counted from the last event.
 */
import type { Redis } from "ioredis";
import type { JsonRpcMessage } from "../../protocol/types.js";
import { DEFAULT_EVENT_RETENTION_MS, type EventStore, type StoredEvent } from "../event-store.js";
import { connect, ready } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

export class RedisEventStore implements EventStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #retention: number;

  constructor(options: RedisStoreOptions & { retentionMs?: number } = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#prefix = c.prefix;
    this.#retention = options.retentionMs ?? DEFAULT_EVENT_RETENTION_MS;
  }

  #stream(id: string): string {
    return `${this.#prefix}events:${id}`;
  }

  async append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage): Promise<void> {
    await ready(this.#redis);
    const stream = this.#stream(streamId);
    const owner = `${stream}:owner`;
    const index = `${this.#prefix}session-streams:${sessionId}`;
    await this.#redis
      .multi()
      .xadd(stream, `${seq}-1`, "m", JSON.stringify(message))
      .set(owner, sessionId, "PX", this.#retention)
      .pexpire(stream, this.#retention)
      .sadd(index, streamId)
      .pexpire(index, this.#retention)
      .exec();
  }

  async replay(sessionId: string, streamId: string, afterSeq: number): Promise<StoredEvent[] | undefined> {
    await ready(this.#redis);
    const stream = this.#stream(streamId);
    const owner = await this.#redis.get(`${stream}:owner`);
    if (owner !== sessionId) return undefined;
    const entries = await this.#redis.xrange(stream, `(${Math.max(0, afterSeq)}-1`, "+");
    const out: StoredEvent[] = [];
    for (const [id, fields] of entries) {
      const seq = Number(id.slice(0, id.indexOf("-")));
      if (seq <= afterSeq) continue;
      out.push({ seq, message: JSON.parse(fields[1]!) as JsonRpcMessage });
    }
    return out;
  }

  async deleteSession(sessionId: string): Promise<void> {
    await ready(this.#redis);
    const index = `${this.#prefix}session-streams:${sessionId}`;
    const streams = await this.#redis.smembers(index);
    const m = this.#redis.multi();
    for (const s of streams) m.del(this.#stream(s), `${this.#stream(s)}:owner`);
    m.del(index);
    await m.exec();
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** RedisAuditSink: the audit log as a Redis Stream shared by every node (trimmed to about `maxEvents`). */
import type { Redis } from "ioredis";
import { filterAudit, type AuditEvent, type AuditQuery, type AuditSink } from "../audit.js";
import { connect, ready } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

export class RedisAuditSink implements AuditSink {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #key: string;
  readonly #max: number;

  constructor(options: RedisStoreOptions & { maxEvents?: number } = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#key = `${c.prefix}audit`;
    this.#max = options.maxEvents ?? 1_000_000;
  }

  async write(event: AuditEvent): Promise<void> {
    await ready(this.#redis);
    await this.#redis.xadd(this.#key, "MAXLEN", "~", this.#max, "*", "e", JSON.stringify(event));
  }

  /** query reads the newest events (at most 50 000 are scanned) and filters them. */
  async query(q: AuditQuery = {}): Promise<AuditEvent[]> {
    await ready(this.#redis);
    const rows = await this.#redis.xrevrange(this.#key, "+", "-", "COUNT", 50_000);
    const events = rows.map(([, f]) => JSON.parse(f[1]!) as AuditEvent).reverse();
    return filterAudit(events, q);
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** RedisSessionStore: session records in Redis, so any node can serve any session and sessions outlive nodes. */
import type { Redis } from "ioredis";
import type { SessionRecord, SessionStore } from "../session-store.js";
import { connect, ready } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #key: (id: string) => string;
  readonly #idle: string;

  constructor(options: RedisStoreOptions = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#key = (id) => `${c.prefix}session:${id}`;
    this.#idle = `${c.prefix}sessions:last-seen`;
  }

  async sharedSecret(name: string): Promise<Uint8Array> {
    await ready(this.#redis);
    const key = `${this.#idle.slice(0, -"sessions:last-seen".length)}secret:${name}`;
    await this.#redis.set(key, Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64"), "NX");
    return new Uint8Array(Buffer.from((await this.#redis.get(key))!, "base64"));
  }

  async save(record: SessionRecord): Promise<void> {
    await ready(this.#redis);
    await this.#redis
      .multi()
      .set(this.#key(record.sessionId), JSON.stringify(record))
      .zadd(this.#idle, record.lastSeenAt, record.sessionId)
      .exec();
  }

  async load(sessionId: string): Promise<SessionRecord | undefined> {
    await ready(this.#redis);
    const [[, text], [, seen]] = (await this.#redis.multi().get(this.#key(sessionId)).zscore(this.#idle, sessionId).exec()) as [
      [unknown, string | null],
      [unknown, string | null],
    ];
    if (!text) return undefined;
    const record = JSON.parse(text) as SessionRecord;
    if (seen !== null) record.lastSeenAt = Number(seen);
    return record;
  }

  async touch(sessionId: string, lastSeenAt: number): Promise<void> {
    await ready(this.#redis);
    await this.#redis.zadd(this.#idle, "XX", lastSeenAt, sessionId);
  }

  async delete(sessionId: string): Promise<void> {
    await ready(this.#redis);
    await this.#redis.multi().del(this.#key(sessionId)).zrem(this.#idle, sessionId).exec();
  }

  async sweep(idleBefore: number): Promise<string[]> {
    await ready(this.#redis);
    const ids = await this.#redis.zrangebyscore(this.#idle, "-inf", `(${idleBefore}`);
    if (ids.length === 0) return [];
    const m = this.#redis.multi();
    for (const id of ids) m.del(this.#key(id));
    m.zrem(this.#idle, ...ids);
    await m.exec();
    return ids;
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

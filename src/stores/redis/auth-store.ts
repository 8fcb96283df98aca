/**
 * RedisAuthStore: the authorization server's records in Redis, shared by every node. Expiry is Redis's own; `add`
 * is SET NX; `update` is an optimistic transaction (connection.ts, Transactions).
 */
import type { Redis } from "ioredis";
import type { AuthRecordKind, AuthStore } from "../auth-store.js";
import { connect, ready, Transactions } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

const glob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export class RedisAuthStore implements AuthStore {
  readonly #redis: Redis;
  readonly #tx: Transactions;
  readonly #owned: boolean;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#prefix = c.prefix;
    this.#tx = new Transactions(c.redis);
  }

  #key(kind: AuthRecordKind, id: string): string {
    return `${this.#prefix}auth:${kind}:${id}`;
  }

  async get<T>(kind: AuthRecordKind, id: string): Promise<T | undefined> {
    await ready(this.#redis);
    const v = await this.#redis.get(this.#key(kind, id));
    return v === null ? undefined : (JSON.parse(v) as T);
  }

  async put(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): Promise<void> {
    await ready(this.#redis);
    const key = this.#key(kind, id);
    if (expiresAt === undefined) await this.#redis.set(key, JSON.stringify(value));
    else if (expiresAt > Date.now()) await this.#redis.set(key, JSON.stringify(value), "PXAT", expiresAt);
    else await this.#redis.del(key);
  }

  async add(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): Promise<boolean> {
    await ready(this.#redis);
    const key = this.#key(kind, id);
    if (expiresAt !== undefined && expiresAt <= Date.now()) return !(await this.#redis.exists(key));
    const r =
      expiresAt === undefined
        ? await this.#redis.set(key, JSON.stringify(value), "NX")
        : await this.#redis.set(key, JSON.stringify(value), "PXAT", expiresAt, "NX");
    return r === "OK";
  }

  update<T>(kind: AuthRecordKind, id: string, fn: (current: T | undefined) => T | undefined, expiresAt?: number): Promise<T | undefined> {
    const key = this.#key(kind, id);
    return this.#tx.run(
      key,
      (text, ttl) => {
        const next = fn(text === null ? undefined : (JSON.parse(text) as T));
        return {
          result: next,
          write: (m) => {
            if (next === undefined) m.del(key);
            else if (expiresAt !== undefined) m.set(key, JSON.stringify(next), "PXAT", Math.max(expiresAt, Date.now() + 1));
            else if (ttl > 0) m.set(key, JSON.stringify(next), "PX", ttl);
            else m.set(key, JSON.stringify(next));
          },
        };
      },
      `the record ${kind}/${id}`,
    );
  }

  async delete(kind: AuthRecordKind, id: string): Promise<void> {
    await ready(this.#redis);
    await this.#redis.del(this.#key(kind, id));
  }

  async list<T>(kind: AuthRecordKind, prefix: string): Promise<Array<{ id: string; value: T }>> {
    await ready(this.#redis);
    const head = this.#key(kind, "");
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await this.#redis.scan(cursor, "MATCH", `${glob(head + prefix)}*`, "COUNT", 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0" && keys.length < 100_000);
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(...keys);
    return keys
      .map((k, i) => ({ id: k.slice(head.length), text: values[i] }))
      .filter((r): r is { id: string; text: string } => typeof r.text === "string")
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ id: r.id, value: JSON.parse(r.text) as T }));
  }

  /** sweep: Redis expires records itself. */
  sweep(): void {}

  async close(): Promise<void> {
    await this.#tx.close();
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/**
 * The Redis connection the stores share. Requests fail fast when Redis is unreachable (no offline queue, one
 * retry), so a request gets an error at once instead of hanging; the client reconnects on its own when Redis returns.
 */
import { createHash } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { TrellisError } from "../../protocol/errors.js";
import type { RedisStoreOptions } from "./options.js";

export function connect(o: RedisStoreOptions = {}): { redis: Redis; owned: boolean; prefix: string } {
  const prefix = o.prefix ?? "trellis:";
  if (o.redis !== undefined && typeof o.redis !== "string") return { redis: o.redis as unknown as Redis, owned: false, prefix };
  const options: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: false };
  const redis = new Redis(o.redis ?? "redis://127.0.0.1:6379", options);
  redis.on("error", () => {}); // reported per request; a background error must not crash the process
  return { redis, owned: true, prefix };
}

/**
 * ready waits until the connection can take commands (the offline queue is off, so the first ones must wait). A
 * connection that was up and is now reconnecting fails at once: a request must not wait for Redis to come back.
 */
export async function ready(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "reconnecting" || redis.status === "end" || redis.status === "close")
    throw new TrellisError("STORE_UNAVAILABLE", `Redis is unreachable (connection ${redis.status})`);
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      redis.off("error", fail);
      resolve();
    };
    const fail = (err: Error) => {
      redis.off("ready", done);
      reject(new TrellisError("STORE_UNAVAILABLE", `Redis is unreachable (${err.message})`, { cause: err }));
    };
    redis.once("ready", done);
    redis.once("error", fail);
  });
}

/**
 * Transactions runs read-modify-write on one key optimistically (WATCH, read, decide, MULTI, EXEC, read again on
 * conflict) over a connection of its own, one at a time: a WATCH belongs to a whole connection, so two on one
 * connection would watch each other's keys.
 */
export class Transactions {
  readonly #tx: Redis;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(redis: Redis) {
    this.#tx = redis.duplicate();
    this.#tx.on("error", () => {});
  }

  /**
   * run reads `key` (its value and, with `ttl`, its remaining time), lets `decide` return the commands to queue —
   * or none, to write nothing — and returns the decision's result once the write went through unchanged.
   */
  run<T>(
    key: string,
    decide: (value: string | null, ttlMs: number) => { write?: (m: ReturnType<Redis["multi"]>) => void; result: T },
    what: string,
  ): Promise<T> {
    const attempt = this.#queue.then(async () => {
      await ready(this.#tx);
      for (let i = 0; i < 20; i++) {
        await this.#tx.watch(key);
        const [value, ttl] = await Promise.all([this.#tx.get(key), this.#tx.pttl(key)]);
        const { write, result } = decide(value, ttl);
        if (!write) {
          await this.#tx.unwatch();
          return result;
        }
        const m = this.#tx.multi();
        write(m);
        if ((await m.exec()) !== null) return result; // null: the key changed under the WATCH
      }
      throw new TrellisError("INTERNAL", `${what} kept changing under 20 attempts to update it`);
    });
    this.#queue = attempt.catch(() => {});
    return attempt;
  }

  async close(): Promise<void> {
    await this.#tx.quit().catch(() => this.#tx.disconnect());
  }
}

/**
 * luaScript: a Lua script sent once per connection and called by its SHA1 afterwards (EVALSHA), instead of its whole
 * text on every call; a server that lost it (restarted, SCRIPT FLUSH) gets the text again (NOSCRIPT → EVAL).
 */
export function luaScript(lua: string): (redis: Redis, keys: string[], args: string[]) => Promise<unknown> {
  const sha = createHash("sha1").update(lua).digest("hex");
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

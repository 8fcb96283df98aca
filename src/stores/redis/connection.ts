/**
 * The Redis connection the stores share. Requests fail fast when Redis is unreachable (no offline queue, one
 * retry), so a request gets an error at once instead of hanging; the client reconnects on its own when Redis returns.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { RedisStoreOptions } from "./options.js";

export function connect(o: RedisStoreOptions = {}): { redis: Redis; owned: boolean; prefix: string } {
  const prefix = o.prefix ?? "trellis:";
  if (o.redis !== undefined && typeof o.redis !== "string") return { redis: o.redis as unknown as Redis, owned: false, prefix };
  const options: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: false };
  const redis = new Redis(o.redis ?? "redis://127.0.0.1:6379", options);
  redis.on("error", () => {}); // reported per request; a background error must not crash the process
  return { redis, owned: true, prefix };
}

/** ready waits until the connection can take commands (the offline queue is off, so the first ones must wait). */
export async function ready(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      redis.off("error", fail);
      resolve();
    };
    const fail = (err: Error) => {
      redis.off("ready", done);
      reject(err);
    };
    redis.once("ready", done);
    redis.once("error", fail);
  });
}

/**
 * RateLimiter: token buckets per key, against denial of service and task-id enumeration (tasks.mdx, "Security").
 * Each key's bucket holds up to `burst` tokens and refills at `perSecond`; a request past it is refused with
 * RateLimited and how long to wait. Full buckets carry no information, so `prune` drops them and idle keys cost
 * nothing.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** rateLimited is the error a refused task operation gets, with how long to wait. */
export function rateLimited(retryAfterMs: number): ProtocolError {
  return new ProtocolError(ErrorCode.RateLimited, `too many task operations; retry in ${retryAfterMs} ms`, { retryAfterMs });
}

export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** take spends one token of `key`'s bucket, or throws ProtocolError RateLimited with `data.retryAfterMs`. */
  take(key: string, now = Date.now()): void {
    const { perSecond, burst } = this.#limit;
    const b = this.#buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) throw rateLimited(Math.ceil(((1 - b.tokens) / perSecond) * 1000));
    b.tokens -= 1;
  }

  /** prune forgets buckets that have refilled. */
  prune(now = Date.now()): void {
    const { perSecond, burst } = this.#limit;
    for (const [key, b] of this.#buckets) if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(key);
  }
}

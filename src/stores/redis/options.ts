/** The options every Redis store takes (kept apart so that no public declaration names ioredis's types). */

/** An ioredis client to share, seen structurally. */
export interface RedisConnection {
  readonly status: string;
  duplicate(): unknown;
}

export interface RedisStoreOptions {
  /** A redis:// URL, or a connected ioredis client to share (it is then not closed by the store). Default redis://127.0.0.1:6379. */
  redis?: string | RedisConnection;
  /** Prefix of every key. Default "trellis:". */
  prefix?: string;
}

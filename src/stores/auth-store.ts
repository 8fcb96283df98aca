/**
 * AuthStore: what the embedded authorization server keeps — registered clients, authorization codes, refresh
 * token families, consents, replay caches and signing keys. One small record seam (kind, id, JSON value, expiry)
 * rather than a table per concern, so a backend is a few methods and one contract suite checks them all.
 *
 * The contract: values are JSON; a record past `expiresAt` (epoch ms) is gone for every method; `add` is
 * insert-if-absent and `update` is read-modify-write, each atomic against concurrent callers of the same store
 * (the replay caches and refresh rotation depend on it); `list` returns the live records of a kind whose id
 * starts with a prefix. Secrets are stored hashed by the caller: codes and refresh tokens never appear in clear.
 */
export type AuthRecordKind = "client" | "code" | "family" | "consent" | "replay" | "key" | "revoked" | "session" | "counter" | "secret";

export interface AuthStore {
  get<T>(kind: AuthRecordKind, id: string): T | undefined | Promise<T | undefined>;
  put(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): void | Promise<void>;
  /** add stores the record only if none is live under this id; false when one was. */
  add(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): boolean | Promise<boolean>;
  /**
   * update replaces the record with `fn(current)` atomically (undefined deletes it) and returns the new value.
   * `fn` must be synchronous and free of side effects: a backend may call it again after a conflict.
   */
  update<T>(
    kind: AuthRecordKind,
    id: string,
    fn: (current: T | undefined) => T | undefined,
    expiresAt?: number,
  ): T | undefined | Promise<T | undefined>;
  delete(kind: AuthRecordKind, id: string): void | Promise<void>;
  list<T>(kind: AuthRecordKind, prefix: string): Array<{ id: string; value: T }> | Promise<Array<{ id: string; value: T }>>;
  /** sweep drops expired records. */
  sweep(now?: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

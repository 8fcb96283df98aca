/** MemoryAuthStore keeps the authorization server's records in this process (tests, and one-process demos). */
import type { AuthRecordKind, AuthStore } from "../auth-store.js";

type Entry = { value: string; expiresAt?: number };

export class MemoryAuthStore implements AuthStore {
  readonly #records = new Map<string, Entry>();

  #live(key: string, now = Date.now()): Entry | undefined {
    const e = this.#records.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= now) {
      this.#records.delete(key);
      return undefined;
    }
    return e;
  }

  get<T>(kind: AuthRecordKind, id: string): T | undefined {
    const e = this.#live(`${kind}\u0000${id}`);
    return e ? (JSON.parse(e.value) as T) : undefined;
  }

  put(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): void {
    this.#records.set(`${kind}\u0000${id}`, { value: JSON.stringify(value), expiresAt });
  }

  add(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): boolean {
    if (this.#live(`${kind}\u0000${id}`)) return false;
    this.put(kind, id, value, expiresAt);
    return true;
  }

  update<T>(kind: AuthRecordKind, id: string, fn: (current: T | undefined) => T | undefined, expiresAt?: number): T | undefined {
    const key = `${kind}\u0000${id}`;
    const e = this.#live(key);
    const next = fn(e ? (JSON.parse(e.value) as T) : undefined);
    if (next === undefined) this.#records.delete(key);
    else this.#records.set(key, { value: JSON.stringify(next), expiresAt: expiresAt ?? e?.expiresAt });
    return next;
  }

  delete(kind: AuthRecordKind, id: string): void {
    this.#records.delete(`${kind}\u0000${id}`);
  }

  list<T>(kind: AuthRecordKind, prefix: string): Array<{ id: string; value: T }> {
    const out: Array<{ id: string; value: T }> = [];
    const head = `${kind}\u0000${prefix}`;
    for (const key of [...this.#records.keys()]) {
      if (!key.startsWith(head)) continue;
      const e = this.#live(key);
      if (e) out.push({ id: key.slice(kind.length + 1), value: JSON.parse(e.value) as T });
    }
    return out;
  }

  sweep(now = Date.now()): void {
    for (const key of [...this.#records.keys()]) this.#live(key, now);
  }
}

/**
 * SqliteAuthStore keeps the authorization server's records in SQLite (the embedded default), beside sessions and
 * tasks. Every method runs synchronously on one connection, so `add` and `update` are atomic within the process;
 * `update` also runs in a transaction so that another process sharing the file cannot interleave.
 */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AuthRecordKind, AuthStore } from "../auth-store.js";
import { DEFAULT_DATABASE, openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";

export interface SqliteAuthStoreOptions {
  /** Database file. Default ".trellis/trellis.db"; ":memory:" for a private in-memory database. */
  filename?: string;
  driver?: SqliteDriver;
}

export class SqliteAuthStore implements AuthStore {
  readonly #db: SqliteDatabase;
  readonly #get: SqliteStatement;
  readonly #put: SqliteStatement;
  readonly #insert: SqliteStatement;
  readonly #delete: SqliteStatement;
  readonly #list: SqliteStatement;
  readonly #sweep: SqliteStatement;

  constructor(options: SqliteAuthStoreOptions = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    // The records include the private signing keys: the file is for this user only.
    if (filename !== ":memory:") for (const f of [filename, `${filename}-wal`, `${filename}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS auth_records (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (kind, id))",
    );
    this.#db.exec("CREATE INDEX IF NOT EXISTS auth_records_expiry ON auth_records (expires_at)");
    const live = "(expires_at IS NULL OR expires_at > ?)";
    this.#get = this.#db.prepare(`SELECT value FROM auth_records WHERE kind = ? AND id = ? AND ${live}`);
    this.#put = this.#db.prepare("INSERT OR REPLACE INTO auth_records (kind, id, value, expires_at) VALUES (?, ?, ?, ?)");
    // Insert unless a live row exists: an expired one is replaced.
    this.#insert = this.#db.prepare(
      "INSERT INTO auth_records (kind, id, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE auth_records.expires_at IS NOT NULL AND auth_records.expires_at <= ?",
    );
    this.#delete = this.#db.prepare("DELETE FROM auth_records WHERE kind = ? AND id = ?");
    this.#list = this.#db.prepare(`SELECT id, value FROM auth_records WHERE kind = ? AND substr(id, 1, ?) = ? AND ${live} ORDER BY id`);
    this.#sweep = this.#db.prepare("DELETE FROM auth_records WHERE expires_at IS NOT NULL AND expires_at <= ?");
  }

  get<T>(kind: AuthRecordKind, id: string): T | undefined {
    const r = this.#get.get(kind, id, Date.now()) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  put(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): void {
    this.#put.run(kind, id, JSON.stringify(value), expiresAt ?? null);
  }

  add(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number): boolean {
    const r = this.#insert.run(kind, id, JSON.stringify(value), expiresAt ?? null, Date.now()) as { changes?: number | bigint };
    return Number(r.changes ?? 0) > 0;
  }

  update<T>(kind: AuthRecordKind, id: string, fn: (current: T | undefined) => T | undefined, expiresAt?: number): T | undefined {
    // IMMEDIATE takes the write lock first, waiting up to BUSY_TIMEOUT_MS (driver.ts) while another process holds
    // it; SQLite's busy handler is that retry loop. No second loop around it: a lock held longer than that is a
    // fault to report, and waiting on would only hold this process's event loop longer.
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const now = Date.now();
      const row = this.#db.prepare(`SELECT value, expires_at FROM auth_records WHERE kind = ? AND id = ?`).get(kind, id) as
        | { value: string; expires_at: number | null }
        | undefined;
      const live = row && (row.expires_at === null || row.expires_at > now) ? row : undefined;
      const next = fn(live ? (JSON.parse(live.value) as T) : undefined);
      if (next === undefined) this.#delete.run(kind, id);
      else this.#put.run(kind, id, JSON.stringify(next), expiresAt ?? live?.expires_at ?? null);
      this.#db.exec("COMMIT");
      return next;
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  delete(kind: AuthRecordKind, id: string): void {
    this.#delete.run(kind, id);
  }

  list<T>(kind: AuthRecordKind, prefix: string): Array<{ id: string; value: T }> {
    const rows = this.#list.all(kind, prefix.length, prefix, Date.now()) as { id: string; value: string }[];
    return rows.map((r) => ({ id: r.id, value: JSON.parse(r.value) as T }));
  }

  sweep(now = Date.now()): void {
    this.#sweep.run(now);
  }

  close(): void {
    this.#db.close();
  }
}

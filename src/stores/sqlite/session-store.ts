/** SqliteSessionStore keeps session records in SQLite beside the tasks, so sessions survive a restart. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { SessionRecord, SessionStore } from "../session-store.js";
import { DEFAULT_DATABASE, openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";

export interface SqliteSessionStoreOptions {
  /** Database file. Default ".trellis/trellis.db"; ":memory:" for a private in-memory database. */
  filename?: string;
  /** Default: "node:sqlite" where Node has it, else "better-sqlite3". */
  driver?: SqliteDriver;
}

export class SqliteSessionStore implements SessionStore {
  readonly #db: SqliteDatabase;
  readonly #save: SqliteStatement;
  readonly #load: SqliteStatement;
  readonly #touch: SqliteStatement;
  readonly #delete: SqliteStatement;
  readonly #idle: SqliteStatement;
  readonly #sweep: SqliteStatement;
  #open = true;

  constructor(options: SqliteSessionStoreOptions = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS http_sessions (session_id TEXT PRIMARY KEY, record TEXT NOT NULL, created_at INTEGER NOT NULL)",
    );
    // Databases written before sessions expired across restarts have no last_seen: their rows count from created_at.
    const columns = this.#db.prepare("PRAGMA table_info(http_sessions)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "last_seen")) this.#db.exec("ALTER TABLE http_sessions ADD COLUMN last_seen INTEGER");
    this.#db.exec("CREATE INDEX IF NOT EXISTS http_sessions_last_seen ON http_sessions (last_seen)");
    this.#save = this.#db.prepare("INSERT OR REPLACE INTO http_sessions (session_id, record, created_at, last_seen) VALUES (?, ?, ?, ?)");
    this.#load = this.#db.prepare("SELECT record, created_at, last_seen FROM http_sessions WHERE session_id = ?");
    this.#touch = this.#db.prepare("UPDATE http_sessions SET last_seen = ? WHERE session_id = ?");
    this.#delete = this.#db.prepare("DELETE FROM http_sessions WHERE session_id = ?");
    this.#idle = this.#db.prepare("SELECT session_id FROM http_sessions WHERE coalesce(last_seen, created_at) < ?");
    this.#sweep = this.#db.prepare("DELETE FROM http_sessions WHERE coalesce(last_seen, created_at) < ?");
  }

  async sharedSecret(name: string): Promise<Uint8Array> {
    this.#db.exec("CREATE TABLE IF NOT EXISTS trellis_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const fresh = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
    // The first process's value wins; every other one reads it.
    this.#db.prepare("INSERT OR IGNORE INTO trellis_secrets (name, value) VALUES (?, ?)").run(name, fresh);
    const row = this.#db.prepare("SELECT value FROM trellis_secrets WHERE name = ?").get(name) as { value: string };
    return new Uint8Array(Buffer.from(row.value, "base64"));
  }

  save(record: SessionRecord): void {
    this.#save.run(record.sessionId, JSON.stringify(record), record.createdAt, record.lastSeenAt);
  }

  load(sessionId: string): SessionRecord | undefined {
    const r = this.#load.get(sessionId) as { record: string; created_at: number; last_seen: number | null } | undefined;
    if (!r) return undefined;
    const record = JSON.parse(r.record) as SessionRecord;
    record.lastSeenAt = r.last_seen ?? r.created_at;
    return record;
  }

  touch(sessionId: string, lastSeenAt: number): void {
    this.#touch.run(lastSeenAt, sessionId);
  }

  delete(sessionId: string): void {
    this.#delete.run(sessionId);
  }

  sweep(idleBefore: number): string[] {
    const ids = (this.#idle.all(idleBefore) as { session_id: string }[]).map((r) => r.session_id);
    if (ids.length) this.#sweep.run(idleBefore);
    return ids;
  }

  close(): void {
    if (this.#open) {
      this.#open = false;
      this.#db.close();
    }
  }
}

/** SqliteSessionStore keeps session records in SQLite beside the tasks, so sessions survive a restart. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { SessionRecord, SessionStore } from "../session-store.js";
import { openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";
import { DEFAULT_DATABASE } from "./event-store.js";

export class SqliteSessionStore implements SessionStore {
  readonly #db: SqliteDatabase;
  readonly #save: SqliteStatement;
  readonly #load: SqliteStatement;
  readonly #delete: SqliteStatement;
  #open = true;

  constructor(options: { filename?: string; driver?: SqliteDriver } = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    this.#db.exec("CREATE TABLE IF NOT EXISTS http_sessions (session_id TEXT PRIMARY KEY, record TEXT NOT NULL, created_at INTEGER NOT NULL)");
    this.#save = this.#db.prepare("INSERT OR REPLACE INTO http_sessions (session_id, record, created_at) VALUES (?, ?, ?)");
    this.#load = this.#db.prepare("SELECT record FROM http_sessions WHERE session_id = ?");
    this.#delete = this.#db.prepare("DELETE FROM http_sessions WHERE session_id = ?");
  }

  save(record: SessionRecord): void {
    this.#save.run(record.sessionId, JSON.stringify(record), record.createdAt);
  }

  load(sessionId: string): SessionRecord | undefined {
    const r = this.#load.get(sessionId) as { record: string } | undefined;
    return r ? (JSON.parse(r.record) as SessionRecord) : undefined;
  }

  delete(sessionId: string): void {
    this.#delete.run(sessionId);
  }

  close(): void {
    if (this.#open) {
      this.#open = false;
      this.#db.close();
    }
  }
}

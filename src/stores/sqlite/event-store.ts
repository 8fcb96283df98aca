/**
 * SqliteEventStore keeps SSE events in an SQLite file (WAL), so that streams can be resumed across a server
 * restart. It is the default event store of `serveHttp`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { JsonRpcMessage } from "../../protocol/types.js";
import { DEFAULT_EVENT_RETENTION_MS, type EventStore, type StoredEvent } from "../event-store.js";
import { DEFAULT_DATABASE, openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";

export interface SqliteEventStoreOptions {
  /** Database file. Default ".trellis/trellis.db"; ":memory:" for a private in-memory database. */
  filename?: string;
  /** How long events are kept. Default DEFAULT_EVENT_RETENTION_MS (15 minutes). */
  retentionMs?: number;
  /** Default: "node:sqlite" where Node has it, else "better-sqlite3". */
  driver?: SqliteDriver;
}

export class SqliteEventStore implements EventStore {
  readonly #db: SqliteDatabase;
  readonly #insert: SqliteStatement;
  readonly #select: SqliteStatement;
  readonly #owner: SqliteStatement;
  readonly #deleteSession: SqliteStatement;
  readonly #expire: SqliteStatement;
  #open = true;
  readonly #retention: number;
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: SqliteEventStoreOptions = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS sse_events (
      stream_id TEXT NOT NULL, seq INTEGER NOT NULL, session_id TEXT NOT NULL,
      message TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (stream_id, seq)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sse_events_session ON sse_events (session_id);
      CREATE INDEX IF NOT EXISTS sse_events_created ON sse_events (created_at);`);
    this.#insert = this.#db.prepare(
      "INSERT OR REPLACE INTO sse_events (stream_id, seq, session_id, message, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.#select = this.#db.prepare("SELECT seq, message FROM sse_events WHERE stream_id = ? AND session_id = ? AND seq > ? ORDER BY seq");
    this.#owner = this.#db.prepare("SELECT session_id FROM sse_events WHERE stream_id = ? LIMIT 1");
    this.#deleteSession = this.#db.prepare("DELETE FROM sse_events WHERE session_id = ?");
    this.#expire = this.#db.prepare("DELETE FROM sse_events WHERE created_at < ?");
    this.#retention = options.retentionMs ?? DEFAULT_EVENT_RETENTION_MS;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(this.#retention, 60_000));
    this.#sweeper.unref?.();
  }

  append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage): void {
    this.#insert.run(streamId, seq, sessionId, JSON.stringify(message), Date.now());
  }

  replay(sessionId: string, streamId: string, afterSeq: number): StoredEvent[] | undefined {
    const owner = this.#owner.get(streamId) as { session_id: string } | undefined;
    if (!owner || owner.session_id !== sessionId) return undefined;
    return (this.#select.all(streamId, sessionId, afterSeq) as { seq: number; message: string }[]).map((r) => ({
      seq: r.seq,
      message: JSON.parse(r.message),
    }));
  }

  deleteSession(sessionId: string): void {
    this.#deleteSession.run(sessionId);
  }

  sweep(now = Date.now()): void {
    this.#expire.run(now - this.#retention);
  }

  close(): void {
    clearInterval(this.#sweeper);
    if (this.#open) {
      this.#open = false;
      this.#db.close();
    }
  }
}

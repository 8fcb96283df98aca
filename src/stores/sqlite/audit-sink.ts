/** SqliteAuditSink: the audit log in SQLite (the embedded default), indexed for the queries people run. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AuditEvent, AuditQuery, AuditSink } from "../audit.js";
import { DEFAULT_DATABASE, openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";

export interface SqliteAuditSinkOptions {
  filename?: string;
  driver?: SqliteDriver;
}

export class SqliteAuditSink implements AuditSink {
  readonly #db: SqliteDatabase;
  readonly #insert: SqliteStatement;

  constructor(options: SqliteAuditSinkOptions = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, subject TEXT, client_id TEXT, event TEXT NOT NULL)",
    );
    this.#db.exec("CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)");
    this.#db.exec("CREATE INDEX IF NOT EXISTS audit_log_subject ON audit_log (subject, at)");
    this.#insert = this.#db.prepare("INSERT INTO audit_log (at, type, subject, client_id, event) VALUES (?, ?, ?, ?, ?)");
  }

  write(event: AuditEvent): void {
    this.#insert.run(event.at, event.type, event.subject ?? null, event.clientId ?? null, JSON.stringify(event));
  }

  query(q: AuditQuery = {}): AuditEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const types = q.type === undefined ? undefined : Array.isArray(q.type) ? q.type : [q.type];
    if (types?.length) {
      where.push(`type IN (${types.map(() => "?").join(", ")})`);
      args.push(...types);
    }
    const add = (clause: string, value: unknown) => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    add("subject = ?", q.subject);
    add("client_id = ?", q.clientId);
    add("at >= ?", q.since);
    add("at <= ?", q.until);
    const limit = Math.min(Math.max(1, q.limit ?? 100), 10_000);
    const sql = `SELECT event FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ${limit}`;
    return (this.#db.prepare(sql).all(...args) as { event: string }[]).map((r) => JSON.parse(r.event) as AuditEvent);
  }

  close(): void {
    this.#db.close();
  }
}

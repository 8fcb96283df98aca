/**
 * SqliteTaskStore keeps tasks in an SQLite file (WAL), so results and errors survive a crash or restart. It is
 * the default task store of servers that enable tasks through serveHttp or the example server.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { decodeTaskCursor, encodeTaskCursor, type TaskPage, type TaskRecord, type TaskStore } from "../task-store.js";
import { openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";
import { DEFAULT_DATABASE } from "./event-store.js";

export interface SqliteTaskStoreOptions {
  /** Database file. Default ".trellis/trellis.db"; ":memory:" for a private in-memory database. */
  filename?: string;
  driver?: SqliteDriver;
}

type Row = { task_id: string; owner: string; status: string; status_message: string | null; created_at: number; updated_at: number; ttl: number | null; poll_interval: number | null; method: string; params: string; result: string | null; error: string | null };

function fromRow(r: Row): TaskRecord {
  const t: TaskRecord = { taskId: r.task_id, owner: r.owner, status: r.status as TaskRecord["status"], createdAt: r.created_at, lastUpdatedAt: r.updated_at, ttl: r.ttl, method: r.method, params: JSON.parse(r.params) };
  if (r.status_message !== null) t.statusMessage = r.status_message;
  if (r.poll_interval !== null) t.pollInterval = r.poll_interval;
  if (r.result !== null) t.result = JSON.parse(r.result);
  if (r.error !== null) t.error = JSON.parse(r.error);
  return t;
}

const COLUMNS: Record<string, string> = { status: "status", statusMessage: "status_message", lastUpdatedAt: "updated_at", ttl: "ttl", pollInterval: "poll_interval", method: "method", params: "params", result: "result", error: "error" };

export class SqliteTaskStore implements TaskStore {
  readonly #db: SqliteDatabase;
  readonly #insert: SqliteStatement;
  readonly #get: SqliteStatement;
  readonly #load: SqliteStatement;
  readonly #page: SqliteStatement;
  readonly #pageAfter: SqliteStatement;
  readonly #unfinished: SqliteStatement;
  readonly #expire: SqliteStatement;
  readonly #updates = new Map<string, SqliteStatement>();
  #open = true;

  constructor(options: SqliteTaskStoreOptions = {}) {
    const filename = options.filename ?? DEFAULT_DATABASE;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    this.#db = openDatabase(filename, options.driver);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS tasks (
      task_id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ttl INTEGER, poll_interval INTEGER,
      method TEXT NOT NULL, params TEXT NOT NULL, result TEXT, error TEXT);
      CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (owner, created_at, task_id);
      CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);`);
    this.#insert = this.#db.prepare("INSERT INTO tasks (task_id, owner, status, status_message, created_at, updated_at, ttl, poll_interval, method, params, result, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const live = "(ttl IS NULL OR created_at + ttl >= ?)";
    this.#get = this.#db.prepare(`SELECT * FROM tasks WHERE task_id = ? AND owner = ? AND ${live}`);
    this.#load = this.#db.prepare("SELECT * FROM tasks WHERE task_id = ?");
    this.#page = this.#db.prepare(`SELECT * FROM tasks WHERE owner = ? AND ${live} ORDER BY created_at, task_id LIMIT ?`);
    this.#pageAfter = this.#db.prepare(`SELECT * FROM tasks WHERE owner = ? AND ${live} AND (created_at > ? OR (created_at = ? AND task_id > ?)) ORDER BY created_at, task_id LIMIT ?`);
    this.#unfinished = this.#db.prepare("SELECT * FROM tasks WHERE status NOT IN ('completed', 'failed', 'cancelled')");
    this.#expire = this.#db.prepare("DELETE FROM tasks WHERE ttl IS NOT NULL AND created_at + ttl < ?");
  }

  create(t: TaskRecord): void {
    this.#insert.run(t.taskId, t.owner, t.status, t.statusMessage ?? null, t.createdAt, t.lastUpdatedAt, t.ttl, t.pollInterval ?? null, t.method, JSON.stringify(t.params), t.result === undefined ? null : JSON.stringify(t.result), t.error === undefined ? null : JSON.stringify(t.error));
  }

  get(owner: string, taskId: string): TaskRecord | undefined {
    const r = this.#get.get(taskId, owner, Date.now()) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  load(taskId: string): TaskRecord | undefined {
    const r = this.#load.get(taskId) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  update(taskId: string, patch: Partial<TaskRecord>): void {
    const keys = Object.keys(patch).filter((k) => k in COLUMNS).sort();
    if (keys.length === 0) return;
    const sig = keys.join(",");
    let stmt = this.#updates.get(sig);
    if (!stmt) this.#updates.set(sig, (stmt = this.#db.prepare(`UPDATE tasks SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(", ")} WHERE task_id = ?`)));
    const values = keys.map((k) => {
      const v = (patch as Record<string, unknown>)[k];
      if (v === undefined) return null;
      return k === "params" || k === "result" || k === "error" ? JSON.stringify(v) : v;
    });
    stmt.run(...values, taskId);
  }

  list(owner: string, cursor: string | undefined, limit: number): TaskPage {
    const now = Date.now();
    const rows = (cursor === undefined ? this.#page.all(owner, now, limit + 1) : (() => {
      const [at, id] = decodeTaskCursor(cursor);
      return this.#pageAfter.all(owner, now, at, at, id, limit + 1);
    })()) as Row[];
    const tasks = rows.slice(0, limit).map(fromRow);
    return rows.length > limit ? { tasks, nextCursor: encodeTaskCursor(tasks[tasks.length - 1]!) } : { tasks };
  }

  unfinished(): TaskRecord[] {
    return (this.#unfinished.all() as Row[]).map(fromRow);
  }

  sweep(now = Date.now()): void {
    this.#expire.run(now);
  }

  close(): void {
    if (this.#open) {
      this.#open = false;
      this.#db.close();
    }
  }
}

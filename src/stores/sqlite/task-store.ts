/**
 * SqliteTaskStore keeps tasks in an SQLite file (WAL), so results and errors survive a crash or restart. It is
 * the default task store of servers that enable tasks through serveHttp or the example server.
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { decodeTaskCursor, encodeTaskCursor, type TaskPage, type TaskRecord, type TaskStore } from "../../tasks/store.js";
import { DEFAULT_DATABASE, openDatabase, type SqliteDatabase, type SqliteDriver, type SqliteStatement } from "./driver.js";

export interface SqliteTaskStoreOptions {
  /** Database file. Default ".trellis/trellis.db"; ":memory:" for a private in-memory database. */
  filename?: string;
  driver?: SqliteDriver;
}

type Row = {
  task_id: string;
  owner: string;
  status: string;
  status_message: string | null;
  created_at: number;
  updated_at: number;
  ttl: number | null;
  poll_interval: number | null;
  method: string;
  params: string;
  result: string | null;
  error: string | null;
  lease_holder: string | null;
  lease_until: number | null;
};

function fromRow(r: Row): TaskRecord {
  const t: TaskRecord = {
    taskId: r.task_id,
    owner: r.owner,
    status: r.status as TaskRecord["status"],
    createdAt: r.created_at,
    lastUpdatedAt: r.updated_at,
    ttl: r.ttl,
    method: r.method,
    params: JSON.parse(r.params),
  };
  if (r.status_message !== null) t.statusMessage = r.status_message;
  if (r.poll_interval !== null) t.pollInterval = r.poll_interval;
  if (r.result !== null) t.result = JSON.parse(r.result);
  if (r.error !== null) t.error = JSON.parse(r.error);
  if (r.lease_holder !== null && r.lease_until !== null) t.lease = { holder: r.lease_holder, until: r.lease_until };
  return t;
}

/**
 * A lease holder of this store is `<host>/<pid>/<random>`. When the process named by a lease is on this host and
 * no longer exists (it was killed), its lease is void at once: a restart after kill -9 recovers its tasks without
 * waiting for the lease to run out. A process on another host (or one still alive) keeps its lease until it expires.
 */
function isDeadLocalHolder(holder: string): boolean {
  const [host, pidText] = holder.split("/");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

const COLUMNS: Record<string, string> = {
  status: "status",
  statusMessage: "status_message",
  lastUpdatedAt: "updated_at",
  ttl: "ttl",
  pollInterval: "poll_interval",
  method: "method",
  params: "params",
  result: "result",
  error: "error",
  leaseHolder: "lease_holder",
  leaseUntil: "lease_until",
};

export class SqliteTaskStore implements TaskStore {
  readonly #db: SqliteDatabase;
  readonly #insert: SqliteStatement;
  readonly #get: SqliteStatement;
  readonly #load: SqliteStatement;
  readonly #page: SqliteStatement;
  readonly #pageAfter: SqliteStatement;
  readonly #unfinished: SqliteStatement;
  readonly #expire: SqliteStatement;
  readonly #claim: SqliteStatement;
  readonly #takeOver: SqliteStatement;
  readonly #leaseOf: SqliteStatement;
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
    // Databases from before leases: add the columns; their unfinished tasks have no lease and can be claimed.
    const columns = new Set((this.#db.prepare("PRAGMA table_info(tasks)").all() as { name: string }[]).map((c) => c.name));
    if (!columns.has("lease_holder"))
      this.#db.exec("ALTER TABLE tasks ADD COLUMN lease_holder TEXT; ALTER TABLE tasks ADD COLUMN lease_until INTEGER;");
    this.#insert = this.#db.prepare(
      "INSERT INTO tasks (task_id, owner, status, status_message, created_at, updated_at, ttl, poll_interval, method, params, result, error, lease_holder, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const unfinished = "status NOT IN ('completed', 'failed', 'cancelled')";
    this.#claim = this.#db.prepare(
      `UPDATE tasks SET lease_holder = ?, lease_until = ? WHERE task_id = ? AND ${unfinished} AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_holder = ?)`,
    );
    this.#takeOver = this.#db.prepare(
      `UPDATE tasks SET lease_holder = ?, lease_until = ? WHERE task_id = ? AND ${unfinished} AND lease_holder = ?`,
    );
    this.#leaseOf = this.#db.prepare("SELECT lease_holder FROM tasks WHERE task_id = ?");
    const live = "(ttl IS NULL OR created_at + ttl >= ?)";
    this.#get = this.#db.prepare(`SELECT * FROM tasks WHERE task_id = ? AND owner = ? AND ${live}`);
    this.#load = this.#db.prepare("SELECT * FROM tasks WHERE task_id = ?");
    this.#page = this.#db.prepare(`SELECT * FROM tasks WHERE owner = ? AND ${live} ORDER BY created_at, task_id LIMIT ?`);
    this.#pageAfter = this.#db.prepare(
      `SELECT * FROM tasks WHERE owner = ? AND ${live} AND (created_at > ? OR (created_at = ? AND task_id > ?)) ORDER BY created_at, task_id LIMIT ?`,
    );
    this.#unfinished = this.#db.prepare("SELECT * FROM tasks WHERE status NOT IN ('completed', 'failed', 'cancelled')");
    this.#expire = this.#db.prepare("DELETE FROM tasks WHERE ttl IS NOT NULL AND created_at + ttl < ?");
  }

  create(t: TaskRecord): void {
    const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
    this.#insert.run(
      t.taskId,
      t.owner,
      t.status,
      t.statusMessage ?? null,
      t.createdAt,
      t.lastUpdatedAt,
      t.ttl,
      t.pollInterval ?? null,
      t.method,
      JSON.stringify(t.params),
      json(t.result),
      json(t.error),
      t.lease?.holder ?? null,
      t.lease?.until ?? null,
    );
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
    if ("lease" in patch) {
      const { lease, ...rest } = patch;
      patch = { ...rest, leaseHolder: lease?.holder, leaseUntil: lease?.until } as Partial<TaskRecord>;
    }
    const keys = Object.keys(patch)
      .filter((k) => k in COLUMNS)
      .sort();
    if (keys.length === 0) return;
    const sig = keys.join(",");
    let stmt = this.#updates.get(sig);
    if (!stmt)
      this.#updates.set(
        sig,
        (stmt = this.#db.prepare(`UPDATE tasks SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(", ")} WHERE task_id = ?`)),
      );
    const values = keys.map((k) => {
      const v = (patch as Record<string, unknown>)[k];
      if (v === undefined) return null;
      return k === "params" || k === "result" || k === "error" ? JSON.stringify(v) : v;
    });
    stmt.run(...values, taskId);
  }

  list(owner: string, cursor: string | undefined, limit: number): TaskPage {
    const now = Date.now();
    const rows = (
      cursor === undefined
        ? this.#page.all(owner, now, limit + 1)
        : (() => {
            const [at, id] = decodeTaskCursor(cursor);
            return this.#pageAfter.all(owner, now, at, at, id, limit + 1);
          })()
    ) as Row[];
    const tasks = rows.slice(0, limit).map(fromRow);
    return rows.length > limit ? { tasks, nextCursor: encodeTaskCursor(tasks[tasks.length - 1]!) } : { tasks };
  }

  unfinished(): TaskRecord[] {
    return (this.#unfinished.all() as Row[]).map(fromRow);
  }

  claim(taskId: string, holder: string, until: number, now: number): boolean {
    if (changes(this.#claim.run(holder, until, taskId, now, holder)) === 1) return true;
    const current = (this.#leaseOf.get(taskId) as { lease_holder: string | null } | undefined)?.lease_holder;
    if (!current || !isDeadLocalHolder(current)) return false;
    // Compare-and-set on the dead holder: of two processes taking over at once, one wins.
    return changes(this.#takeOver.run(holder, until, taskId, current)) === 1;
  }

  newLeaseHolder(): string {
    return `${hostname()}/${process.pid}/${crypto.randomUUID()}`;
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

function changes(result: unknown): number {
  return Number((result as { changes?: number | bigint }).changes ?? 0);
}

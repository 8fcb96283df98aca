/**
 * The SQLite driver seam. Trellis uses Node's built-in `node:sqlite` where Node has it (22.13 and later,
 * what users run) and better-sqlite3 on Node 20. Why not better-sqlite3 everywhere: 12.x aborts the
 * process at exit on Node 24 (a finalizer runs after Node's environment is gone, upstream closed it as
 * not planned), and 13.x, which fixes that, does not load on Node 20.
 */
import { createRequire } from "node:module";
import { misuse } from "../../protocol/errors.js";

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export type SqliteDriver = "node:sqlite" | "better-sqlite3";

/** DEFAULT_DATABASE is where Trellis keeps its embedded state unless told otherwise. */
export const DEFAULT_DATABASE = ".trellis/trellis.db";

type Builtin = { DatabaseSync: new (path: string) => SqliteDatabase & { isOpen?: boolean } };

function builtin(): Builtin | undefined {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    return get?.("node:sqlite") as Builtin | undefined;
  } catch {
    return undefined;
  }
}

/** defaultDriver is "node:sqlite" when this Node has it, else "better-sqlite3". */
export function defaultDriver(): SqliteDriver {
  return builtin() ? "node:sqlite" : "better-sqlite3";
}

/**
 * How long a statement waits for another connection's lock — another process on the same file, or another store
 * of this one — before it fails with "database is locked". better-sqlite3 waits 5 s by default; node:sqlite waits
 * 0 ms, so a second process made every write that met a lock fail at once (a sign-in answered 500, a revocation
 * was lost). Both drivers get the same wait.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * openDatabase opens `filename` (or ":memory:") in WAL mode with synchronous=NORMAL, waiting up to
 * BUSY_TIMEOUT_MS for locks held by other connections.
 */
export function openDatabase(filename: string, driver: SqliteDriver = defaultDriver()): SqliteDatabase {
  let db: SqliteDatabase;
  if (driver === "node:sqlite") {
    const m = builtin();
    if (!m) throw misuse(`openDatabase: driver "node:sqlite" needs Node 22.13 or later; this is ${process.version}: use "better-sqlite3"`);
    db = new m.DatabaseSync(filename);
  } else {
    let Better: new (f: string) => SqliteDatabase;
    try {
      Better = createRequire(import.meta.url)("better-sqlite3");
    } catch (err) {
      throw misuse(
        `openDatabase: driver "better-sqlite3" is not installed (${(err as Error).message}); run npm install better-sqlite3, or use Node 22.13+ for the built-in node:sqlite`,
      );
    }
    db = new Better(filename);
  }
  // First: switching to WAL itself needs a lock another process may hold. The PRAGMA, not node:sqlite's `timeout`
  // option, which only newer Nodes have.
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  // WAL with synchronous=NORMAL survives process crashes (not power loss) at a fraction of FULL's cost.
  db.exec("PRAGMA synchronous = NORMAL");
  return db;
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore, SqliteSessionStore, SqliteTaskStore } from "../../src/stores/sqlite/index.js";
import { defaultDriver } from "../../src/stores/sqlite/driver.js";
import { sessionStoreContract } from "./session-store.contract.js";
import { eventStoreContract } from "./event-store.contract.js";
import { taskStoreContract } from "../tasks/store.contract.js";
import { SqliteAuthStore } from "../../src/stores/sqlite/auth-store.js";
import { SqliteAuditSink } from "../../src/stores/sqlite/audit-sink.js";
import { authStoreContract, auditSinkContract } from "./auth-store.contract.js";

eventStoreContract(`SqliteEventStore (${defaultDriver()})`, () => new SqliteEventStore({ filename: ":memory:" }));

test("SqliteEventStore: events survive reopening the file; sweep expires old ones", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-"));
  const file = join(dir, "sub", "t.db");
  const a = new SqliteEventStore({ filename: file, retentionMs: 1000 });
  a.append("sess", "st", 1, { jsonrpc: "2.0", id: 1, result: {} });
  a.close();
  const b = new SqliteEventStore({ filename: file, retentionMs: 1000 });
  assert.deepEqual(b.replay("sess", "st", 0), [{ seq: 1, message: { jsonrpc: "2.0", id: 1, result: {} } }]);
  b.sweep(Date.now() + 5000);
  assert.equal(b.replay("sess", "st", 0), undefined);
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

taskStoreContract(`SqliteTaskStore (${defaultDriver()})`, () => new SqliteTaskStore({ filename: ":memory:" }));

test("SqliteTaskStore: two stores on one file race for a lease and exactly one wins; a dead local holder's lease is void", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-"));
  const file = join(dir, "t.db");
  const a = new SqliteTaskStore({ filename: file });
  const b = new SqliteTaskStore({ filename: file });
  const now = Date.now();
  a.create({
    taskId: "t",
    owner: "o",
    status: "working",
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    method: "tools/call",
    params: {},
    lease: { holder: "x", until: now - 1 },
  });
  const holders = [a.newLeaseHolder(), b.newLeaseHolder()];
  const won = [a.claim("t", holders[0]!, now + 1000, now), b.claim("t", holders[1]!, now + 1000, now)];
  assert.deepEqual(won, [true, false]);
  // A process of this host that no longer exists holds a live lease: taken over at once.
  const { spawnSync } = await import("node:child_process");
  const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
  const dead = holders[0]!.replace(`/${process.pid}/`, `/${gone}/`);
  a.update("t", { lease: { holder: dead, until: now + 60_000 } });
  assert.equal(b.claim("t", holders[1]!, now + 1000, now), true);
  // One of this process is alive: its lease holds.
  a.update("t", { lease: { holder: holders[0]!, until: now + 60_000 } });
  assert.equal(b.claim("t", holders[1]!, now + 1000, now), false);
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

test("SqliteTaskStore: a database from before leases gains the columns and its unfinished tasks can be claimed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-"));
  const file = join(dir, "old.db");
  const { openDatabase } = await import("../../src/stores/sqlite/driver.js");
  const db = openDatabase(file);
  db.exec(`CREATE TABLE tasks (task_id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ttl INTEGER, poll_interval INTEGER,
      method TEXT NOT NULL, params TEXT NOT NULL, result TEXT, error TEXT)`);
  db.prepare("INSERT INTO tasks VALUES ('old', 'o', 'working', NULL, 1, 1, NULL, NULL, 'tools/call', '{}', NULL, NULL)").run();
  db.close();
  const s = new SqliteTaskStore({ filename: file });
  assert.equal(s.load("old")!.lease, undefined);
  assert.equal(s.claim("old", "me", Date.now() + 1000, Date.now()), true);
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

sessionStoreContract(`SqliteSessionStore (${defaultDriver()})`, () => new SqliteSessionStore({ filename: ":memory:" }));

test("SqliteSessionStore: a database from before last_seen gains the column; its rows count from created_at", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-"));
  const file = join(dir, "old.db");
  const { openDatabase } = await import("../../src/stores/sqlite/driver.js");
  const db = openDatabase(file);
  db.exec("CREATE TABLE http_sessions (session_id TEXT PRIMARY KEY, record TEXT NOT NULL, created_at INTEGER NOT NULL)");
  db.prepare("INSERT INTO http_sessions VALUES (?, ?, ?)").run(
    "old",
    JSON.stringify({ sessionId: "old", protocolVersion: "2025-11-25", clientCapabilities: {}, createdAt: 1000 }),
    1000,
  );
  db.close();
  const s = new SqliteSessionStore({ filename: file });
  assert.equal(s.load("old")!.lastSeenAt, 1000);
  assert.deepEqual(s.sweep(Date.now() - 60_000), ["old"]);
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

authStoreContract(`SqliteAuthStore (${defaultDriver()})`, () => new SqliteAuthStore({ filename: ":memory:" }));
auditSinkContract(`SqliteAuditSink (${defaultDriver()})`, () => new SqliteAuditSink({ filename: ":memory:" }));

test("SqliteAuthStore: two stores on one file: add is won once; records survive reopening", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-auth-"));
  const file = join(dir, "a.db");
  const a = new SqliteAuthStore({ filename: file });
  const b = new SqliteAuthStore({ filename: file });
  assert.equal(a.add("replay", "j", 1, Date.now() + 60_000), true);
  assert.equal(b.add("replay", "j", 1, Date.now() + 60_000), false);
  a.put("key", "k1", { kid: "k1" });
  a.close();
  b.close();
  const c = new SqliteAuthStore({ filename: file });
  assert.deepEqual(c.get("key", "k1"), { kid: "k1" });
  c.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The child of the two-process test: opens the store on the file it is given, says so, counts `n` increments of
 * one counter, then prints how many succeeded and the errors it met.
 */
const HAMMER = `
const [, file, n, module] = process.argv;
const errors = {};
let ok = 0;
try {
  const { SqliteAuthStore } = await import(module);
  const s = new SqliteAuthStore({ filename: file });
  console.log("open");
  for (let i = 0; i < Number(n); i++) {
    try {
      s.update("counter", "shared", (c) => ({ count: (c?.count ?? 0) + 1 }), Date.now() + 60000);
      ok++;
    } catch (e) {
      errors[e.message] = (errors[e.message] ?? 0) + 1;
    }
  }
  s.close();
} catch (e) {
  errors[e.message] = (errors[e.message] ?? 0) + 1;
}
console.log(JSON.stringify({ ok, errors }));
`;

test("SqliteAuthStore: two processes updating one file wait for each other's lock: no 'database is locked', no increment lost", async () => {
  const { spawn } = await import("node:child_process");
  const module = new URL("../../src/stores/sqlite/auth-store.js", import.meta.url).href;
  // This Node, and Node 24 where the runner gives it: there the driver is node:sqlite, which waited 0 ms by default.
  const nodes = [...new Set([process.execPath, process.env.TRELLIS_NODE24].filter((n): n is string => !!n))];
  for (const node of nodes) {
    const dir = mkdtempSync(join(tmpdir(), "trellis-auth-mp-"));
    const file = join(dir, "a.db");
    const child = spawn(node, ["--input-type=module", "-e", HAMMER, file, "3000", module], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    // Opened after the child started, so that both open the file at once too; updates start once the child's are.
    const s = new SqliteAuthStore({ filename: file });
    while (!done && !out.includes("open")) await new Promise((r) => setImmediate(r));
    let ok = 0;
    const errors: Record<string, number> = {};
    while (!done) {
      for (let i = 0; i < 20; i++) {
        try {
          s.update<{ count: number }>("counter", "shared", (c) => ({ count: (c?.count ?? 0) + 1 }), Date.now() + 60_000);
          ok++;
        } catch (e) {
          errors[(e as Error).message] = (errors[(e as Error).message] ?? 0) + 1;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(await exited, 0, `the child on ${node} failed: ${err}`);
    const theirs = JSON.parse(out.trim().split("\n").at(-1)!) as { ok: number; errors: Record<string, number> };
    assert.deepEqual({ node, child: theirs.errors, parent: errors }, { node, child: {}, parent: {} }, "no update failed");
    assert.equal(theirs.ok, 3000);
    assert.ok(ok > 0, "this process updated while the child did");
    assert.deepEqual(s.get("counter", "shared"), { count: ok + 3000 }, "every increment counted");
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

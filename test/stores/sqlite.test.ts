import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore, SqliteTaskStore, defaultDriver } from "../../src/stores/sqlite/index.js";
import { eventStoreContract } from "./event-store.contract.js";
import { taskStoreContract } from "./task-store.contract.js";

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

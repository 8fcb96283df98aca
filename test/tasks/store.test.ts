/** Task store helpers: opaque cursors and expiry. (The TaskStore contract itself is store.contract.ts.) */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeTaskCursor, encodeTaskCursor, InvalidCursorError, isExpired, type TaskRecord } from "../../src/tasks/store.js";

const task = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  taskId: "t1",
  owner: "o",
  status: "working",
  createdAt: 1000,
  lastUpdatedAt: 1000,
  ttl: 500,
  method: "tools/call",
  params: {},
  ...over,
});

test("cursors round-trip and refuse what they did not issue", () => {
  assert.deepEqual(decodeTaskCursor(encodeTaskCursor(task())), [1000, "t1"]);
  for (const bad of ["", "garbage", btoa("[1]"), btoa('["x","y"]')]) assert.throws(() => decodeTaskCursor(bad), InvalidCursorError, bad);
});

test("isExpired: past createdAt + ttl; a null ttl never expires", () => {
  assert.equal(isExpired(task(), 1500), false);
  assert.equal(isExpired(task(), 1501), true);
  assert.equal(isExpired(task({ ttl: null }), Number.MAX_SAFE_INTEGER), false);
});

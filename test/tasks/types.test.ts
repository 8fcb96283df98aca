/** toWireTask: a stored task as the protocol's Task. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { toWireTask } from "../../src/tasks/types.js";

test("toWireTask: ISO times, ttl as stored, optional fields only when set, nothing internal leaks", () => {
  const wire = toWireTask({
    taskId: "t",
    owner: "secret-owner",
    status: "working",
    createdAt: 0,
    lastUpdatedAt: 1000,
    ttl: null,
    method: "tools/call",
    params: { a: 1 },
    lease: { holder: "h", until: 1 },
  });
  assert.deepEqual(wire, {
    taskId: "t",
    status: "working",
    createdAt: "1970-01-01T00:00:00.000Z",
    lastUpdatedAt: "1970-01-01T00:00:01.000Z",
    ttl: null,
  });
  assert.deepEqual(
    toWireTask({
      taskId: "t",
      owner: "o",
      status: "failed",
      createdAt: 0,
      lastUpdatedAt: 0,
      ttl: 5,
      method: "m",
      params: {},
      statusMessage: "boom",
      pollInterval: 250,
    }).statusMessage,
    "boom",
  );
});

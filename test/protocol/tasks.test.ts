/** The task status machine (tasks.mdx, "Task Status Lifecycle"). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { canMove, TERMINAL_STATUSES, type TaskStatus } from "../../src/protocol/tasks.js";

test("canMove: working ↔ input_required, either to a terminal status, never out of one", () => {
  const all: TaskStatus[] = ["working", "input_required", "completed", "failed", "cancelled"];
  const allowed = new Set([
    "working>input_required",
    "input_required>working",
    ...["working", "input_required"].flatMap((f) => ["completed", "failed", "cancelled"].map((t) => `${f}>${t}`)),
  ]);
  for (const from of all) for (const to of all) assert.equal(canMove(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`);
  assert.deepEqual([...TERMINAL_STATUSES].sort(), ["cancelled", "completed", "failed"]);
});

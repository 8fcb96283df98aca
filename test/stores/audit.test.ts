import { test } from "node:test";
import assert from "node:assert/strict";
import { filterAudit, MemoryAuditSink, toJsonLines } from "../../src/stores/audit.js";

test("MemoryAuditSink keeps the last max events; JSON Lines is one event per line", () => {
  const s = new MemoryAuditSink(2);
  for (const t of ["a", "b", "c"]) s.write({ at: `2026-11-28T10:00:0${t.charCodeAt(0) - 97}Z`, type: t });
  assert.deepEqual(
    s.events.map((e) => e.type),
    ["b", "c"],
  );
  assert.deepEqual(
    filterAudit(s.events, { type: "c" }).map((e) => e.type),
    ["c"],
  );
  const lines = toJsonLines(s.events).trimEnd().split("\n");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).type),
    ["b", "c"],
  );
});

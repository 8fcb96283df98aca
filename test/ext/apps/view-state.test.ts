/** The in-memory view state store keeps the newest entries up to its bound. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryViewStateStore } from "../../../src/ext/apps/view-state.js";

test("get what was set; the oldest entries go first past the bound; setting again refreshes", () => {
  const s = new MemoryViewStateStore(2);
  s.set("a", 1);
  s.set("b", 2);
  s.set("a", 3);
  s.set("c", 4);
  assert.equal(s.get("a"), 3);
  assert.equal(s.get("b"), undefined);
  assert.equal(s.get("c"), 4);
});

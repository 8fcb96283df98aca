/** sse.ts: one event per call, an id and a retry when given, a line break in the data split into data lines. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sseComment, sseEvent } from "../../src/internal/sse.js";

test("sseEvent and sseComment", () => {
  assert.equal(sseEvent('{"a":1}'), 'data: {"a":1}\n\n');
  assert.equal(sseEvent("x", { id: "s_1", retryMs: 500 }), "id: s_1\nretry: 500\ndata: x\n\n");
  assert.equal(sseEvent("", { id: "s_0" }), "id: s_0\ndata: \n\n", "a priming event");
  assert.equal(sseEvent("one\ntwo\r\nthree"), "data: one\ndata: two\ndata: three\n\n", "a line break cannot end the event early");
  assert.equal(sseComment("keep-alive"), ": keep-alive\n\n");
  assert.equal(sseComment("a\nb"), ": a b\n\n");
});

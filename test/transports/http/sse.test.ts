/** SSE events and the channel between the core and a runtime adapter. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatEvent, SseChannel } from "../../../src/transports/http/sse.js";

test("formatEvent: id, optional retry, one data line", () => {
  assert.equal(formatEvent("s_1", '{"a":1}'), 'id: s_1\ndata: {"a":1}\n\n');
  assert.equal(formatEvent("s_0", "", 500), "id: s_0\nretry: 500\ndata: \n\n");
});

test("SseChannel: buffers until attached, ends once, and a detach (client gone) ends it without writing", () => {
  const out: string[] = [];
  let ended = 0;
  let onend = 0;
  const ch = new SseChannel();
  ch.onend = () => void onend++;
  ch.write("a");
  ch.write("b");
  ch.attach({ write: (c) => void out.push(c), end: () => void ended++ });
  ch.write("c");
  ch.end();
  ch.end();
  ch.write("d");
  assert.deepEqual(out, ["ab", "c"]);
  assert.equal(ended, 1);
  assert.equal(onend, 1);
  const gone = new SseChannel();
  let detached = 0;
  gone.ondetach = () => void detached++;
  gone.attach({ write: () => assert.fail("no writes after detach"), end: () => assert.fail("the adapter already closed") });
  gone.detach();
  gone.write("x");
  gone.end();
  assert.equal(detached, 1);
  assert.equal(gone.ended, true);
  const late = new SseChannel();
  late.write("x");
  late.end();
  const lateOut: string[] = [];
  let lateEnded = false;
  late.attach({ write: (c) => void lateOut.push(c), end: () => void (lateEnded = true) });
  assert.deepEqual(lateOut, ["x"]);
  assert.equal(lateEnded, true, "attached after the end: the buffer, then the end");
});

test("SseChannel: a silent stream gets a comment line each keep-alive period, a busy one does not, an ended one never again", async () => {
  const chunks: string[] = [];
  const ch = new SseChannel({ keepAliveMs: 200 });
  ch.attach({ write: (c) => chunks.push(c), end: () => {} });
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(chunks.filter((c) => c === ": keep-alive\n\n").length >= 1, "a comment while silent");
  chunks.length = 0;
  for (let i = 0; i < 40; i++) {
    ch.write(formatEvent(String(i), "{}"));
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(!chunks.includes(": keep-alive\n\n"), "no comment while events flow");
  ch.end();
  chunks.length = 0;
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(chunks, []);
});

/**
 * One HTTP session's streams: a reply is plain JSON unless something comes first; related messages ride their
 * request's stream; the GET stream takes the rest (with a backlog while away); resumption replays exactly the gap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpSessionTransport } from "../../../src/transports/http/session-transport.js";
import { MemoryEventStore } from "../../../src/stores/memory/event-store.js";
import type { HttpReply } from "../../../src/transports/http/reply.js";

function transport(responseMode: "auto" | "sse" | "json" = "auto") {
  const t = new HttpSessionTransport("sess", { responseMode, retryMs: 100, primeStreams: () => true, eventStore: new MemoryEventStore() });
  t.start({ message: () => {}, parseError: () => {}, close: () => {}, error: () => {} });
  return t;
}

function drain(reply: HttpReply): { text: () => string; ended: () => boolean } {
  let text = "";
  let ended = false;
  reply.sse!.attach({ write: (c) => void (text += c), end: () => void (ended = true) });
  return { text: () => text, ended: () => ended };
}

test("auto mode: a lone response is JSON; a notification first makes the reply SSE with a priming event", async () => {
  const t = transport();
  const plain = t.openRequest(1);
  t.send({ jsonrpc: "2.0", id: 1, result: {} });
  const r1 = await plain.reply;
  assert.equal(r1.status, 200);
  assert.deepEqual(JSON.parse(r1.body!), { jsonrpc: "2.0", id: 1, result: {} });
  const streamed = t.openRequest(2);
  t.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 2, progress: 1 } }, { relatedRequestId: 2 });
  const r2 = await streamed.reply;
  assert.equal(r2.headers["content-type"], "text/event-stream");
  const d = drain(r2);
  t.send({ jsonrpc: "2.0", id: 2, result: { done: true } });
  assert.match(d.text(), /^id: \w+_0\nretry: 100\ndata: \n\n/);
  assert.match(d.text(), /notifications\/progress[\s\S]*"done":true/);
  assert.equal(d.ended(), true);
  assert.equal(t.hasRequest(2), false);
});

test("json mode: related notifications go to the GET stream (kept in a backlog until it opens); settle answers 202", async () => {
  const t = transport("json");
  const req = t.openRequest(1);
  t.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } }, { relatedRequestId: 1 });
  t.send({ jsonrpc: "2.0", id: 1, result: {} });
  assert.ok((await req.reply).body);
  const get = drain(t.openStandalone()!);
  assert.match(get.text(), /notifications\/message/);
  assert.equal(t.openStandalone(), undefined, "one GET stream at a time");
  const cancelled = t.openRequest(3);
  t.settle(3);
  assert.equal((await cancelled.reply).status, 202);
});

test("resume: a stream cut mid-way replays exactly what followed Last-Event-ID, then goes on live", async () => {
  const t = transport("sse");
  const req = t.openRequest(1);
  t.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } }, { relatedRequestId: 1 });
  const reply = await req.reply;
  const first = drain(reply);
  t.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 2 } }, { relatedRequestId: 1 });
  const lastSeen = /id: (\w+_1)\n/.exec(first.text())![1]!;
  reply.sse!.detach(); // the client's connection dropped
  t.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 3 } }, { relatedRequestId: 1 });
  const resumed = drain((await t.resume(lastSeen))!);
  t.send({ jsonrpc: "2.0", id: 1, result: {} });
  const progress = [...resumed.text().matchAll(/"progress":(\d)/g)].map((m) => Number(m[1]));
  assert.deepEqual(progress, [2, 3], "each event exactly once after the cut");
  assert.match(resumed.text(), /"result":\{\}/);
  assert.equal(await t.resume("nostream_1"), undefined);
  assert.equal(await t.resume("garbage"), undefined);
});

test("close: pending requests get a 404 JSON-RPC error; nothing is sent after", async () => {
  const t = transport();
  const req = t.openRequest(9);
  await t.close();
  const r = await req.reply;
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body!), { jsonrpc: "2.0", id: 9, error: { code: -32012, message: "session terminated" } });
  assert.equal(t.closed, true);
});

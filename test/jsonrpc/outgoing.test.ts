/** Outgoing requests: ids, timeouts (reset on progress, capped in total), cancellation, and result checks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OutgoingRequests } from "../../src/jsonrpc/outgoing.js";
import { CLIENT_REQUESTS } from "../../src/protocol/methods.js";
import { ProtocolError, TrellisError } from "../../src/protocol/errors.js";
import type { JsonRpcRequestMessage } from "../../src/protocol/types.js";
import { sleep } from "../helpers.js";

function harness(timeoutMs = 1000) {
  const sent: JsonRpcRequestMessage[] = [];
  const cancelled: { id: unknown; reason: string }[] = [];
  const errors: Error[] = [];
  const out = new OutgoingRequests({
    timeoutMs,
    outgoing: CLIENT_REQUESTS,
    send: (m) => void sent.push(m),
    cancel: (id, reason) => void cancelled.push({ id, reason }),
    onerror: (e) => void errors.push(e),
  });
  return { out, sent, cancelled, errors };
}

test("each request gets a new id; a result that fits its schema resolves it; one that does not rejects naming the field", async () => {
  const { out, sent } = harness();
  const a = out.send("tools/list", undefined, {});
  const b = out.send("tools/list", undefined, {});
  assert.deepEqual(
    sent.map((m) => m.id),
    [0, 1],
  );
  out.settle({ jsonrpc: "2.0", id: 0, result: { tools: [] } });
  out.settle({ jsonrpc: "2.0", id: 1, result: { tools: "nope" } });
  assert.deepEqual(await a, { tools: [] });
  await assert.rejects(
    b,
    (e: unknown) =>
      e instanceof TrellisError &&
      e.code === "INVALID_MESSAGE" &&
      /invalid result for "tools\/list": "tools" must be array/.test(e.message),
  );
});

test("an error response rejects with the peer's ProtocolError; a malformed one still rejects; an unknown id is reported", async () => {
  const { out, errors } = harness();
  const a = out.send("ping", undefined, {});
  out.settle({ jsonrpc: "2.0", id: 0, error: { code: -32601, message: "nope", data: { x: 1 } } });
  await assert.rejects(a, (e: unknown) => e instanceof ProtocolError && e.code === -32601 && (e.data as { x: number }).x === 1);
  const b = out.send("ping", undefined, {});
  out.settle({ jsonrpc: "2.0", id: 1, error: "bad" });
  await assert.rejects(b, (e: unknown) => e instanceof ProtocolError && e.code === -32603);
  out.settle({ jsonrpc: "2.0", id: 99, result: {} });
  assert.match(errors[0]!.message, /response for unknown request id 99/);
});

test("timeouts: fire and cancel the request; progress restarts them when asked, within maxTotalTimeoutMs", async () => {
  const { out, sent, cancelled } = harness(60);
  await assert.rejects(out.send("ping", undefined, {}), /request "ping" timed out/);
  assert.deepEqual(cancelled, [{ id: 0, reason: "timed out" }]);
  const seen: number[] = [];
  const p = out.send(
    "tools/call",
    { name: "x" },
    { onprogress: (pr) => seen.push(pr.progress), resetTimeoutOnProgress: true, maxTotalTimeoutMs: 200 },
  );
  const token = (sent[1]!.params!._meta as { progressToken: number }).progressToken;
  for (let i = 1; i <= 3; i++) {
    await sleep(40);
    out.progress({ progressToken: token, progress: i });
  }
  out.settle({ jsonrpc: "2.0", id: 1, result: { content: [] } });
  assert.deepEqual(await p, { content: [] }, "kept alive past 60 ms by progress");
  assert.deepEqual(seen, [1, 2, 3]);
  const capped = out.send("tools/call", { name: "x" }, { onprogress: () => {}, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 100 });
  const t2 = (sent[2]!.params!._meta as { progressToken: number }).progressToken;
  const keepAlive = setInterval(() => out.progress({ progressToken: t2, progress: Date.now() }), 20);
  await assert.rejects(capped, /timed out/);
  clearInterval(keepAlive);
});

test("aborting the caller's signal cancels the request; rejectAll fails what is left", async () => {
  const { out, cancelled } = harness();
  const ac = new AbortController();
  const p = out.send("ping", undefined, { signal: ac.signal });
  ac.abort("user gave up");
  await assert.rejects(p, (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_CANCELLED");
  assert.equal(cancelled[0]!.reason, "user gave up");
  await assert.rejects(out.send("ping", undefined, { signal: AbortSignal.abort() }), /request cancelled/);
  const left = out.send("ping", undefined, {});
  out.rejectAll(new TrellisError("CONNECTION_CLOSED", "gone"));
  await assert.rejects(left, /gone/);
});

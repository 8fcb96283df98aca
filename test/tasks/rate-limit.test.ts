/**
 * The task rate limiter (rate-limit.ts): token buckets per key; and, through a server, attack #11: without auth a
 * new session buys no fresh budget, since the client's address has a bucket too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { RateLimiter } from "../../src/tasks/rate-limit.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { openSession, post } from "../fixtures/http-requests.js";

test("RateLimiter: a burst, then one token per 1/perSecond; keys are separate; full buckets are pruned", () => {
  const r = new RateLimiter({ perSecond: 2, burst: 3 });
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) r.take("a", t0);
  assert.throws(
    () => r.take("a", t0),
    (e: unknown) => e instanceof ProtocolError && e.code === -32013 && (e.data as { retryAfterMs: number }).retryAfterMs === 500,
  );
  r.take("b", t0);
  r.take("a", t0 + 500);
  assert.throws(() => r.take("a", t0 + 500));
  r.prune(t0 + 10_000);
  for (let i = 0; i < 3; i++) r.take("a", t0 + 10_000);
});

test("attack #11: without auth, task operations are limited per client address, so a new session buys no fresh budget", async () => {
  const s = new McpServer({ name: "limits", version: "1" }, { tasks: { rateLimit: { perSecond: 0.001, burst: 3 } } });
  s.registerTool("job", { execution: { taskSupport: "optional" } }, () => "done");
  const h = new StreamableHttpHandler(s);
  const call = async (sid: string, remoteAddress = "10.0.0.1") =>
    (await post(h, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "job", task: {} } }, { sid, remoteAddress })).body;
  const first = await openSession(h);
  for (let i = 0; i < 3; i++) assert.ok((await call(first)).result.task.taskId, `call ${i}`);
  assert.equal((await call(first)).error.code, -32013);
  const second = await openSession(h);
  const r = await call(second);
  assert.equal(r.error?.code, -32013, "the address's bucket is empty too");
  assert.match(r.error.message, /too many task operations/);
  assert.ok(
    (await call(await openSession(h, { remoteAddress: "10.0.0.2" }), "10.0.0.2")).result.task.taskId,
    "another client is unaffected",
  );
  await h.close();
});

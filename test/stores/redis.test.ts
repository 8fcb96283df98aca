/**
 * The Redis stores pass the same contract suites as memory and SQLite, against a real redis-server; and when Redis
 * is down, a request fails at once with an error instead of hanging.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  RedisAuditSink,
  RedisAuthStore,
  RedisCluster,
  RedisEventStore,
  RedisSessionStore,
  RedisTaskStore,
} from "../../src/stores/redis/index.js";
import { clusterContract } from "./cluster.contract.js";
import { taskStoreContract } from "../tasks/store.contract.js";
import { sessionStoreContract } from "./session-store.contract.js";
import { eventStoreContract } from "./event-store.contract.js";
import { authStoreContract, auditSinkContract } from "./auth-store.contract.js";
import { startRedis } from "../fixtures/redis.js";

let redis: Awaited<ReturnType<typeof startRedis>>;
let n = 0;
const prefix = () => `t${process.pid}-${n++}:`;

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

sessionStoreContract("RedisSessionStore", () => new RedisSessionStore({ redis: redis.url, prefix: prefix() }));
eventStoreContract("RedisEventStore", () => new RedisEventStore({ redis: redis.url, prefix: prefix() }));
authStoreContract("RedisAuthStore", () => new RedisAuthStore({ redis: redis.url, prefix: prefix() }));
auditSinkContract("RedisAuditSink", () => new RedisAuditSink({ redis: redis.url, prefix: prefix() }));
taskStoreContract("RedisTaskStore", () => new RedisTaskStore({ redis: redis.url, prefix: prefix() }));
clusterContract("RedisCluster", async () => {
  const p = prefix();
  return [
    new RedisCluster({ redis: redis.url, prefix: p, heartbeatMs: 100 }),
    new RedisCluster({ redis: redis.url, prefix: p, heartbeatMs: 100 }),
  ];
});

test("RedisTaskStore: two nodes race for a task whose holder died; exactly one claims it", async () => {
  const p = prefix();
  const a = new RedisTaskStore({ redis: redis.url, prefix: p });
  const b = new RedisTaskStore({ redis: redis.url, prefix: p });
  const now = Date.now();
  await a.create({
    taskId: "t",
    owner: "o",
    status: "working",
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    method: "tools/call",
    params: {},
    lease: { holder: "dead", until: now - 1 },
  });
  const wins = await Promise.all([
    ...Array.from({ length: 5 }, () => a.claim("t", "node-a", now + 10_000, now)),
    ...Array.from({ length: 5 }, () => b.claim("t", "node-b", now + 10_000, now)),
  ]);
  const holder = (await a.load("t"))!.lease!.holder;
  assert.ok(holder === "node-a" || holder === "node-b");
  assert.ok(wins.filter(Boolean).length >= 1);
  assert.ok(
    wins.every((w, i) => !w || (i < 5 ? "node-a" : "node-b") === holder),
    "only the holder's claims succeeded",
  );
  await a.close();
  await b.close();
});

test("two stores on one Redis share records: what one node writes, another reads", async () => {
  const p = prefix();
  const a = new RedisAuthStore({ redis: redis.url, prefix: p });
  const b = new RedisAuthStore({ redis: redis.url, prefix: p });
  assert.equal(await a.add("replay", "jti", 1, Date.now() + 60_000), true);
  assert.equal(await b.add("replay", "jti", 1, Date.now() + 60_000), false, "a replay seen by one node is seen by all");
  await Promise.all([
    ...Array.from({ length: 10 }, () => a.update<{ n: number }>("family", "f", (c) => ({ n: (c?.n ?? 0) + 1 }))),
    ...Array.from({ length: 10 }, () => b.update<{ n: number }>("family", "f", (c) => ({ n: (c?.n ?? 0) + 1 }))),
  ]);
  assert.deepEqual(await a.get("family", "f"), { n: 20 }, "updates from two processes' connections are not lost");
  const e1 = new RedisEventStore({ redis: redis.url, prefix: p });
  const e2 = new RedisEventStore({ redis: redis.url, prefix: p });
  for (let i = 1; i <= 3; i++) await e1.append("s", "st", i, { jsonrpc: "2.0", method: "m", params: { i } });
  assert.deepEqual(
    (await e2.replay("s", "st", 1))!.map((e) => e.seq),
    [2, 3],
    "resumed on another node",
  );
  for (const s of [a, b, e1, e2]) await s.close();
});

test("with Redis down, a request fails fast with an error instead of hanging", async () => {
  const other = await startRedis();
  const store = new RedisSessionStore({ redis: other.url, prefix: prefix() });
  const record = { sessionId: "x", protocolVersion: "2025-11-25", clientCapabilities: {}, createdAt: 1, lastSeenAt: 1 };
  await store.save(record);
  await other.stop();
  const started = Date.now();
  await assert.rejects(store.load("x"));
  assert.ok(Date.now() - started < 3000, "no hang");
  await store.close();
});

test("serveHttp({ redis }): two nodes on one Redis serve one session — started on one, continued on the other", async () => {
  const { McpServer } = await import("../../src/server/index.js");
  const { serveHttp } = await import("../../src/transports/http/index.js");
  const make = () => {
    const s = new McpServer({ name: "node", version: "1" });
    s.registerTool("where", {}, () => "here");
    return s;
  };
  const a = await serveHttp(make(), { redis: redis.url });
  const b = await serveHttp(make(), { redis: redis.url });
  const post = (url: string, body: unknown, session?: string) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        ...(session ? { "mcp-session-id": session } : {}),
      },
      body: JSON.stringify(body),
    });
  try {
    const init = await post(a.url, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
    });
    const session = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    assert.ok(session);
    assert.equal((await post(a.url, { jsonrpc: "2.0", method: "notifications/initialized" }, session)).status, 202);
    const onB = await post(b.url, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "where", arguments: {} } }, session);
    assert.equal(onB.status, 200);
    const text = await onB.text();
    assert.match(text, /"text":"here"/);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a cluster node answers 503 at once while Redis is down, and serves again when it returns", { timeout: 30_000 }, async () => {
  const { McpServer } = await import("../../src/server/index.js");
  const { serveHttp } = await import("../../src/transports/http/index.js");
  let own = await startRedis();
  const port = Number(new URL(own.url).port);
  const server = new McpServer({ name: "node", version: "1" });
  const node = await serveHttp(server, { redis: own.url });
  const initialize = () =>
    fetch(node.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
      }),
    });
  try {
    assert.equal((await initialize()).status, 200);
    await own.stop();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const down = await initialize();
    assert.equal(down.status, 503);
    assert.ok(down.headers.get("retry-after"));
    assert.match((await down.json()).error.message, /cannot reach the cluster's shared state \(Redis\)/);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    own = await startRedis(port);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await initialize()).status;
    }
    assert.equal(status, 200, "the node serves again once Redis is back");
  } finally {
    await node.close();
    await own.stop();
  }
});

test("the task rate limit is one budget for every node on one RedisTaskStore", async () => {
  const { TaskManager } = await import("../../src/tasks/manager.js");
  const p = prefix();
  const limit = { perSecond: 0.001, burst: 3 };
  const a = new TaskManager({ store: new RedisTaskStore({ redis: redis.url, prefix: p }), rateLimit: limit });
  const b = new TaskManager({ store: new RedisTaskStore({ redis: redis.url, prefix: p }), rateLimit: limit });
  try {
    await a.admit("session:s1");
    await b.admit("session:s1");
    await a.admit("session:s1");
    await assert.rejects(b.admit("session:s1"), (e: Error & { code?: number }) => e.code === -32013 && /retry in/.test(e.message));
    await b.admit("session:s2");
  } finally {
    await a.close();
    await b.close();
  }
});

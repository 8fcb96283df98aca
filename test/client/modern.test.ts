/**
 * The client at 2026-07-28 against a Trellis server in-process: what its default ("auto") negotiates, and the
 * 2025-11-25 calls an application already makes — tasks, log level, resource subscriptions, ping — working in the
 * new revision's terms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient } from "../../src/client/index.js";
import { McpServer } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { tapTransport } from "../../src/transports/tap.js";
import { answeringDiscover, rawModernServer } from "../fixtures/modern.js";
import { ProtocolError, TrellisError } from "../../src/protocol/errors.js";
import type { ClientOptions } from "../../src/client/options.js";
import { sleep, waitFor } from "../helpers.js";

type Sent = { method?: string; params?: Record<string, unknown> };

function server(): McpServer {
  const s = new McpServer({ name: "s", version: "1" }, { tasks: { pollIntervalMs: 20 } });
  s.registerTool("quick", { execution: { taskSupport: "forbidden" } }, () => "quick");
  s.registerTool("job", { execution: { taskSupport: "optional" } }, async (a: { ms?: number }) => {
    await sleep(a.ms ?? 30);
    return "job done";
  });
  s.registerTool("confirm", { execution: { taskSupport: "required" } }, async (_a, ctx) => {
    const r = await ctx.elicit({ message: "Sure?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } } });
    return `ok=${String(r.content?.ok)}`;
  });
  s.registerTool("twice", { execution: { taskSupport: "required" } }, async (_a, ctx) => {
    const schema = { type: "object" as const, properties: { ok: { type: "boolean" as const } } };
    const first = await ctx.elicit({ message: "First?", requestedSchema: schema });
    const second = await ctx.elicit({ message: "Second?", requestedSchema: schema });
    return `${String(first.content?.ok)} ${String(second.content?.ok)}`;
  });
  s.registerTool("broken", { execution: { taskSupport: "optional" } }, () => {
    throw new ProtocolError(-32602, "no such thing");
  });
  s.registerTool("chatty", {}, async (_a, ctx) => {
    await ctx.log("debug", "a debug line");
    await ctx.log("error", "an error line");
    return "said";
  });
  s.registerResource("test://watched", { name: "watched" }, () => ({ contents: [{ uri: "test://watched", text: "x" }] }));
  return s;
}

/** A client on `s` over the in-memory pair, seeing every message it sends. */
async function connect(s: McpServer, options: ClientOptions = {}): Promise<{ client: McpClient; sent: Sent[] }> {
  const [a, b] = MemoryTransport.createPair();
  s.connect(a);
  const sent: Sent[] = [];
  const client = new McpClient({ name: "c", version: "1" }, options);
  await client.connect(tapTransport(b, (direction, m) => direction === "out" && sent.push(m as Sent)));
  return { client, sent };
}

test("by default the client asks server/discover first and speaks 2026-07-28 with a server that does; pinned, it initializes", async () => {
  const s = server();
  const { client, sent } = await connect(s);
  assert.equal(client.protocolVersion, "2026-07-28");
  assert.equal(sent[0]!.method, "server/discover");
  assert.ok(!sent.some((m) => m.method === "initialize"));
  assert.ok(Object.hasOwn(client.serverCapabilities?.extensions ?? {}, "io.modelcontextprotocol/tasks"));
  assert.deepEqual(await client.ping(), {});
  await client.close();

  const pinned = await connect(s, { protocolVersion: "2025-11-25" });
  assert.equal(pinned.client.protocolVersion, "2025-11-25");
  assert.equal(pinned.sent[0]!.method, "initialize");
  await pinned.client.close();
});

test("callTool follows a task the server makes of the call to its result, answering the task's question with the elicitation handler", async () => {
  const s = server();
  const asked: string[] = [];
  const { client, sent } = await connect(s, {
    elicitForm: (p) => {
      asked.push(p.message);
      return { action: "accept", content: { ok: true } };
    },
  });
  assert.deepEqual((await client.callTool("job", { ms: 50 })).content, [{ type: "text", text: "job done" }]);
  assert.ok(
    sent.some((m) => m.method === "tasks/get"),
    "the call became a task and was polled",
  );
  assert.deepEqual((await client.callTool("confirm")).content, [{ type: "text", text: "ok=true" }]);
  assert.deepEqual(asked, ["Sure?"], "the question is answered once, however often it is polled");
  // A task that asks again after its first answer gets its second question answered too.
  assert.deepEqual((await client.callTool("twice")).content, [{ type: "text", text: "true true" }]);
  assert.deepEqual(asked, ["Sure?", "First?", "Second?"]);
  const update = sent.find((m) => m.method === "tasks/update")!;
  assert.equal(Object.values(update.params!.inputResponses as Record<string, { action: string }>)[0]!.action, "accept");
  // A task that fails with a JSON-RPC error throws it, as the plain call would.
  await assert.rejects(client.callTool("broken"), (e: unknown) => e instanceof ProtocolError && /no such thing/.test(e.message));
  await client.close();
});

test("callToolAsTask at 2026-07-28: a handle to poll, cancel and follow again by id; a call the server answers at once is an immediate handle", async () => {
  const s = server();
  const { client } = await connect(s);
  const handle = await client.callToolAsTask("job", { ms: 5000 });
  assert.equal(handle.immediate, false);
  assert.equal((await handle.status()).status, "working");
  const again = await client.task(handle.taskId);
  assert.equal(again.last.status, "working");
  assert.equal(typeof again.last.ttl, "number");
  const cancelled = await handle.cancel();
  assert.equal(cancelled.status, "cancelled");
  await assert.rejects(handle.result(), (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_CANCELLED");

  const done = await client.callToolAsTask("job", { ms: 10 });
  const statuses: string[] = [];
  for await (const t of done.updates()) statuses.push(t.status);
  assert.equal(statuses.at(-1), "completed");
  assert.deepEqual((await done.result()).content, [{ type: "text", text: "job done" }]);

  const now = await client.callToolAsTask("quick");
  assert.equal(now.immediate, true);
  assert.equal(now.last.status, "completed");
  assert.deepEqual((await now.result()).content, [{ type: "text", text: "quick" }]);

  assert.throws(() => client.listTasks(), /keep the ids of the tasks you start/);
  await assert.rejects(client.task("no-such-task"), ProtocolError);
  await client.close();
});

test("acceptTasks: false declares no tasks extension: a tool that must run as a task is refused with -32021, the rest run at once", async () => {
  const s = server();
  const { client, sent } = await connect(s, { acceptTasks: false });
  assert.deepEqual((await client.callTool("job", { ms: 1 })).content, [{ type: "text", text: "job done" }]);
  assert.ok(!sent.some((m) => m.method === "tasks/get"));
  await assert.rejects(client.callTool("confirm"), (e: unknown) => e instanceof ProtocolError && e.code === -32021);
  await assert.rejects(client.callToolAsTask("job"), /acceptTasks: false/);
  await client.close();
});

test("setLoggingLevel at 2026-07-28 rides in each request's _meta: before it, no log messages; after it, those at or above it", async () => {
  const s = server();
  const logs: string[] = [];
  const { client, sent } = await connect(s, { onLog: (p) => logs.push(String(p.data)) });
  await client.callTool("chatty");
  await sleep(10);
  assert.deepEqual(logs, []);
  await client.setLoggingLevel("error");
  assert.ok(!sent.some((m) => m.method === "logging/setLevel"));
  await client.callTool("chatty");
  await waitFor(() => logs.length === 1);
  assert.deepEqual(logs, ["an error line"]);
  await client.close();
});

test("auto falls back to initialize when server/discover is refused, as an older server refuses it", async () => {
  const s = server();
  const [a, b] = MemoryTransport.createPair();
  // An older server: server/discover is a method it does not know.
  const older = answeringDiscover(a, { code: -32601, message: "Method not found" });
  s.connect(older);
  const client = new McpClient({ name: "c", version: "1" });
  await client.connect(b);
  assert.equal(client.protocolVersion, "2025-11-25");
  await client.close();
});

test("auto does not fall back on failures initialize would meet too: a server error on discover fails connect, with no initialize sent", async () => {
  const s = server();
  const [a, b] = MemoryTransport.createPair();
  const seen: string[] = [];
  const failing = answeringDiscover(a, { code: -32603, message: "database down" }, seen);
  s.connect(failing);
  const client = new McpClient({ name: "c", version: "1" });
  await assert.rejects(client.connect(b), /database down/);
  assert.deepEqual(seen, ["server/discover"]);
});

test("after close(), 2026-07-28 calls that send nothing at once still say the client is not connected", async () => {
  const { client } = await connect(server());
  await client.close();
  await assert.rejects(client.subscribeResource("test://watched"), (e: unknown) => e instanceof TrellisError && e.code === "NOT_CONNECTED");
  await assert.rejects(client.setLoggingLevel("info"), (e: unknown) => e instanceof TrellisError && e.code === "NOT_CONNECTED");
});

test("a server that asks more than 32 questions in one round is refused, and no handler is asked any", async () => {
  const { raw, client: b } = rawModernServer({ tools: {} });
  const ask = { method: "elicitation/create", params: { message: "?", requestedSchema: { type: "object", properties: {} } } };
  raw.setRequestHandler("tools/call", () => ({
    resultType: "input_required",
    inputRequests: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`q${i}`, ask])),
  }));
  let asked = 0;
  const client = new McpClient({ name: "c", version: "1" }, { elicitForm: () => (asked++, { action: "decline" }) });
  await client.connect(b);
  await assert.rejects(client.callTool("t"), /asks 33 questions at once; this client answers at most 32/);
  assert.equal(asked, 0);
  await client.close();
});

test("behind a balancer: an answer that lands on a process not running the task is sent again, and the person is asked once", async () => {
  const { raw, client: b } = rawModernServer({ tools: {}, extensions: { "io.modelcontextprotocol/tasks": {} } });
  const now = new Date().toISOString();
  const task = { taskId: "t1", createdAt: now, lastUpdatedAt: now, ttlMs: 60_000, pollIntervalMs: 100 };
  raw.setRequestHandler("tools/call", () => ({ resultType: "task", status: "working", ...task }));
  const ask = { method: "elicitation/create", params: { message: "Go?", requestedSchema: { type: "object", properties: {} } } };
  let gets = 0;
  let updates = 0;
  let answered = false;
  raw.setRequestHandler("tasks/get", () => {
    if (answered) return { resultType: "complete", status: "completed", ...task, result: { content: [{ type: "text", text: "went" }] } };
    // Every other read lands on a process that does not hold the question.
    const inputRequests = gets++ % 2 === 0 ? { go: ask } : {};
    return { resultType: "complete", status: "input_required", ...task, inputRequests };
  });
  raw.setRequestHandler("tasks/update", () => {
    // The first answer lands on the wrong process and is lost.
    if (updates++ > 0) answered = true;
    return { resultType: "complete" };
  });
  let asked = 0;
  const client = new McpClient({ name: "c", version: "1" }, { elicitForm: () => (asked++, { action: "accept", content: {} }) });
  await client.connect(b);
  assert.deepEqual((await client.callTool("t", {}, { timeoutMs: 10_000 })).content, [{ type: "text", text: "went" }]);
  assert.equal(asked, 1);
  assert.equal(updates, 2);
  await client.close();
});

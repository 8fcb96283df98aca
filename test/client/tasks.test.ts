/** The client side of tasks: callToolAsTask handles, updates by notification or by polling, listTasks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient, StreamableHttpClientTransport, TaskHandle } from "../../src/client/index.js";
import { McpServer } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { serveHttp } from "../../src/transports/http/index.js";
import { ProtocolError, TrellisError } from "../../src/protocol/errors.js";
import { sleep, connectClient } from "../helpers.js";
import { pollDelay } from "../../src/client/tasks.js";

function server() {
  const s = new McpServer({ name: "s", version: "1" }, { tasks: { pollIntervalMs: 30 } });
  s.registerTool(
    "work",
    { execution: { taskSupport: "optional" }, inputSchema: { type: "object", properties: { steps: { type: "integer" } } } },
    async (a, ctx) => {
      const n = (a.steps as number | undefined) ?? 3;
      for (let i = 1; i <= n; i++) {
        await sleep(25);
        ctx.progress(i, n, `step ${i}/${n}`);
      }
      return { content: [{ type: "text", text: `worked ${n}` }] };
    },
  );
  s.registerTool(
    "forever",
    { execution: { taskSupport: "required" } },
    (_a, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => r("x"))),
  );
  s.registerTool("plain", {}, () => "plain");
  return s;
}

const memoryClient = async (s: McpServer) => (await connectClient(s)).client;

test("callToolAsTask: status, result, a progress bar from updates(), listTasks", async () => {
  const client = await memoryClient(server());
  const task = await client.callToolAsTask("work", { steps: 4 }, { ttlMs: 60_000 });
  assert.ok(task instanceof TaskHandle);
  assert.equal(task.last.status, "working");
  assert.equal(task.last.ttl, 60_000);
  const bar: string[] = [];
  for await (const t of task.updates()) bar.push(`${t.status}${t.statusMessage ? ` ${t.statusMessage}` : ""}`);
  assert.equal(bar[0], "working");
  assert.equal(bar.at(-1), "completed");
  assert.ok(bar.includes("working step 2/4"), bar.join(" | "));
  const result = await task.result();
  assert.equal((result.content[0] as { text: string }).text, "worked 4");
  assert.equal((await task.status()).status, "completed");
  const all = [];
  for await (const t of client.tasks()) all.push(t.taskId);
  assert.deepEqual(all, [task.taskId]);
  assert.equal((await client.listTasks()).tasks.length, 1);
  await client.close();
});

test("callToolAsTask: cancel, and refusals with clear errors", async () => {
  const client = await memoryClient(server());
  const task = await client.callToolAsTask("forever");
  const cancelled = await task.cancel();
  assert.equal(cancelled.status, "cancelled");
  await assert.rejects(task.result(), (e: unknown) => e instanceof ProtocolError && /cancelled/.test(e.message));
  await assert.rejects(client.callToolAsTask("plain"), (e: unknown) => e instanceof ProtocolError && e.code === -32601);
  await assert.rejects(
    client.callTool("forever"),
    (e: unknown) => e instanceof ProtocolError && e.code === -32601 && /must run as a task/.test(e.message),
  );
  await client.close();
  const noTasks = new McpServer({ name: "n", version: "1" });
  noTasks.registerTool("t", {}, () => "");
  const c2 = await memoryClient(noTasks);
  await assert.rejects(c2.callToolAsTask("t"), (e: unknown) => e instanceof TrellisError && e.code === "CAPABILITY_MISSING");
  await c2.close();
});

test("over Streamable HTTP without a GET stream, updates() polls at the server's pollInterval", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory" });
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(new StreamableHttpClientTransport(http.url, { openGetStream: false }));
  const task = await client.callToolAsTask("work", { steps: 3 });
  const seen: string[] = [];
  for await (const t of task.updates()) seen.push(t.status);
  assert.equal(seen.at(-1), "completed");
  assert.equal(((await task.result()).content[0] as { text: string }).text, "worked 3");
  await client.close();
  await http.close();
});

import { Session } from "../../src/jsonrpc/session.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../../src/protocol/methods.js";

test("the client as a task receiver: task-augmented sampling and elicitation, tasks/get|result|list|cancel", async () => {
  const [a, b] = MemoryTransport.createPair();
  const server = new Session(a, { incoming: CLIENT_REQUESTS, outgoing: SERVER_REQUESTS, notifications: NOTIFICATIONS });
  let declared: any;
  server.setRequestHandler("initialize", (p) => {
    declared = p.capabilities;
    return { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "raw", version: "1" } };
  });
  let releaseElicit!: () => void;
  const client = new McpClient(
    { name: "c", version: "1" },
    {
      protocolVersion: "2025-11-25",
      tasks: { pollIntervalMs: 20 },
      sampling: async () => {
        await sleep(30);
        return { role: "assistant", content: { type: "text", text: "sampled" }, model: "m" };
      },
      elicitForm: () => new Promise((r) => (releaseElicit = () => r({ action: "decline" }))),
    },
  );
  await client.connect(b);
  assert.deepEqual(declared.tasks, { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } });

  const created = (await server.request("sampling/createMessage", {
    messages: [{ role: "user", content: { type: "text", text: "hi" } }],
    maxTokens: 5,
    task: { ttl: 30_000 },
  })) as any;
  assert.equal(created.task.status, "working");
  assert.equal(created.task.ttl, 30_000);
  const id = created.task.taskId;
  assert.equal(((await server.request("tasks/get", { taskId: id })) as any).status, "working");
  const result = (await server.request("tasks/result", { taskId: id })) as any;
  assert.equal(result.content.text, "sampled");
  assert.deepEqual(result._meta["io.modelcontextprotocol/related-task"], { taskId: id });
  assert.equal(((await server.request("tasks/get", { taskId: id })) as any).status, "completed");

  const e = (await server.request("elicitation/create", {
    mode: "form",
    message: "m",
    requestedSchema: { type: "object", properties: {} },
    task: {},
  })) as any;
  const cancelled = (await server.request("tasks/cancel", { taskId: e.task.taskId })) as any;
  assert.equal(cancelled.status, "cancelled");
  releaseElicit();
  await sleep(10);
  assert.equal(
    ((await server.request("tasks/get", { taskId: e.task.taskId })) as any).status,
    "cancelled",
    "stays cancelled after the handler returns",
  );
  assert.equal(((await server.request("tasks/list")) as any).tasks.length, 2);
  await assert.rejects(server.request("tasks/cancel", { taskId: id }), (err: any) => err.code === -32602);
  // Without "task" the same handlers answer directly.
  assert.equal(
    (
      (await server.request("sampling/createMessage", {
        messages: [{ role: "user", content: { type: "text", text: "hi" } }],
        maxTokens: 5,
      })) as any
    ).model,
    "m",
  );
  await client.close();
});

test("the client as a task receiver over Streamable HTTP: a server tool sends task-augmented sampling and polls it", async () => {
  const s = new McpServer({ name: "requestor", version: "1" });
  s.registerTool("delegate", {}, async (_a, ctx) => {
    // The server acts as the requestor with the raw session API: create, poll, fetch.
    const created = (await ctx.session.request(
      "sampling/createMessage",
      { messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5, task: {} },
      { relatedRequestId: ctx.requestId },
    )) as any;
    let status = created.task.status;
    while (status !== "completed") {
      await sleep(created.task.pollInterval ?? 10);
      status = ((await ctx.session.request("tasks/get", { taskId: created.task.taskId }, { relatedRequestId: ctx.requestId })) as any)
        .status;
    }
    const r = (await ctx.session.request("tasks/result", { taskId: created.task.taskId }, { relatedRequestId: ctx.requestId })) as any;
    return `model said ${r.content.text}`;
  });
  const http = await serveHttp(s, { eventStore: "memory", sessionStore: "memory" });
  const client = new McpClient(
    { name: "c", version: "1" },
    {
      protocolVersion: "2025-11-25",
      tasks: { pollIntervalMs: 10 },
      sampling: async () => (await sleep(30), { role: "assistant", content: { type: "text", text: "42" }, model: "m" }),
    },
  );
  await client.connect(new StreamableHttpClientTransport(http.url));
  assert.equal(((await client.callTool("delegate")).content[0] as { text: string }).text, "model said 42");
  await client.close();
  await http.close();
});

test("updates() calls tasks/result preemptively on input_required, so the server's question gets through", async () => {
  const s = new McpServer({ name: "s", version: "1" }, { tasks: { pollIntervalMs: 10 } });
  s.registerTool("ask", { execution: { taskSupport: "required" } }, async (_a, ctx) => {
    const r = await ctx.elicit({ message: "ok?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } } });
    return `answer ${JSON.stringify(r.content)}`;
  });
  const http = await serveHttp(s, { eventStore: "memory", sessionStore: "memory" });
  const client = new McpClient(
    { name: "c", version: "1" },
    { protocolVersion: "2025-11-25", elicitForm: () => ({ action: "accept", content: { ok: true } }) },
  );
  // No GET stream: the elicitation can only travel on a tasks/result stream.
  await client.connect(new StreamableHttpClientTransport(http.url, { openGetStream: false }));
  const task = await client.callToolAsTask("ask");
  const seen: string[] = [];
  for await (const t of task.updates()) seen.push(t.status);
  assert.ok(seen.includes("input_required"), seen.join(","));
  assert.equal(seen.at(-1), "completed");
  assert.equal(((await task.result()).content[0] as { text: string }).text, 'answer {"ok":true}');
  await client.close();
  await http.close();
});

test("pollDelay: the server's interval kept between 100 ms and 60 s; none, or nonsense, is 1 s", () => {
  assert.equal(pollDelay({ pollInterval: 250 }), 250);
  assert.equal(pollDelay({ pollInterval: 0 }), 100);
  assert.equal(pollDelay({ pollInterval: 1e12 }), 60_000);
  assert.equal(pollDelay({ pollInterval: Number.NaN }), 1000);
  assert.equal(pollDelay({}), 1000);
});

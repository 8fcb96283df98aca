/**
 * Tasks interop: the official SDK 1.x client (its experimental tasks API) runs a Trellis tool as a task, cancels
 * one and lists them; the Trellis client does the same against a task-capable server built on the official SDK.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer as SdkMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { McpServer } from "../../src/server/index.js";
import { serveHttp } from "../../src/transports/http/index.js";
import { McpClient, StreamableHttpClientTransport as TrellisHttpClient } from "../../src/client/index.js";
import { sleep } from "../helpers.js";
import { serveSdkHttp } from "../fixtures/sdk-server.js";

test("official SDK client (experimental tasks) runs a Trellis tool as a task, cancels one, lists them", async () => {
  const server = new McpServer({ name: "trellis-tasks", version: "1" }, { tasks: { pollIntervalMs: 20 } });
  server.registerTool(
    "work",
    { execution: { taskSupport: "optional" }, inputSchema: { type: "object", properties: { ms: { type: "number" } } } },
    async (a, ctx) => {
      await sleep((a.ms as number) ?? 30);
      ctx.progress(1, 1, "done");
      return { content: [{ type: "text", text: `worked ${a.ms} ms` }] };
    },
  );
  server.registerTool(
    "forever",
    { execution: { taskSupport: "optional" } },
    (_a, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => r("x"))),
  );
  const http = await serveHttp(server, { eventStore: "memory", sessionStore: "memory" });
  const client = new Client({ name: "sdk", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
  try {
    const kinds: string[] = [];
    let result: any;
    let taskId = "";
    for await (const m of client.experimental.tasks.callToolStream({ name: "work", arguments: { ms: 60 } }, CallToolResultSchema, {
      task: { ttl: 60_000 },
    })) {
      kinds.push(m.type);
      if (m.type === "taskCreated") taskId = m.task.taskId;
      if (m.type === "result") result = m.result;
      if (m.type === "error") throw m.error;
    }
    assert.equal(kinds[0], "taskCreated");
    assert.equal(kinds.at(-1), "result");
    assert.equal(result.content[0].text, "worked 60 ms");
    assert.equal((await client.experimental.tasks.getTask(taskId)).status, "completed");

    const stream = client.experimental.tasks.callToolStream({ name: "forever", arguments: {} }, CallToolResultSchema, { task: {} });
    const first = await stream.next();
    assert.equal(first.value?.type, "taskCreated");
    const longId = (first.value as { task: { taskId: string } }).task.taskId;
    const cancelled = await client.experimental.tasks.cancelTask(longId);
    assert.equal(cancelled.status, "cancelled");
    await stream.return(undefined);
    const listed = await client.experimental.tasks.listTasks();
    assert.deepEqual(listed.tasks.map((t) => t.taskId).sort(), [taskId, longId].sort());
  } finally {
    await client.close();
    await http.close();
  }
});

test("the Trellis client runs a task on a task-capable official-SDK server, cancels one, lists them", async () => {
  const store = new InMemoryTaskStore();
  const makeServer = () => {
    const s = new SdkMcpServer(
      { name: "sdk-tasks", version: "1" },
      { capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }, taskStore: store },
    );
    s.experimental.tasks.registerToolTask(
      "slow",
      { inputSchema: { ms: z.number() }, execution: { taskSupport: "optional" } },
      {
        createTask: async ({ ms }, extra) => {
          const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
          if (ms >= 0)
            setTimeout(
              () => void extra.taskStore.storeTaskResult(task.taskId, "completed", { content: [{ type: "text", text: `slept ${ms}` }] }),
              ms,
            );
          return { task };
        },
        getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId) as never,
      },
    );
    return s;
  };
  const http = serveSdkHttp(makeServer);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`;
  const client = new McpClient({ name: "trellis", version: "1" });
  try {
    await client.connect(new TrellisHttpClient(url));
    const task = await client.callToolAsTask("slow", { ms: 40 });
    const statuses: string[] = [];
    for await (const t of task.updates()) statuses.push(t.status);
    assert.equal(statuses.at(-1), "completed");
    assert.equal(((await task.result()).content[0] as { text: string }).text, "slept 40");
    const never = await client.callToolAsTask("slow", { ms: -1 });
    assert.equal((await never.cancel()).status, "cancelled");
    const ids = [];
    for await (const t of client.tasks()) ids.push(t.taskId);
    assert.deepEqual(ids.sort(), [task.taskId, never.taskId].sort());
  } finally {
    await client.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

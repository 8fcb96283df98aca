import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { modernPost } from "../fixtures/modern.js";

const EXT = "io.modelcontextprotocol/tasks";
type Body = { result?: Record<string, unknown>; error?: { code: number; message: string } };

const rpc = (h: StreamableHttpHandler, method: string, params: Record<string, unknown>, caps: Record<string, unknown>) =>
  modernPost(h.fetch, method, params, { caps }).then(async (r) => ({ status: r.status, body: (await r.json()) as Body }));

test("the tasks extension: a task handle, tasks/get with its question, tasks/update, the result inlined; without the extension a call runs at once", async () => {
  const server = new McpServer({ name: "s", version: "1" }, { tasks: {} });
  server.registerTool("confirm", { execution: { taskSupport: "optional" } }, async (_a, ctx) => {
    const r = await ctx.elicit(
      { message: "Sure?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } } },
      { inputKey: "ok" },
    );
    return `ok=${String(r.content?.ok)}`;
  });
  server.registerTool("must", { execution: { taskSupport: "required" } }, () => "done");
  const h = new StreamableHttpHandler(server);
  const caps = { elicitation: {}, extensions: { [EXT]: {} } };
  try {
    const discover = await rpc(h, "server/discover", {}, caps);
    assert.deepEqual((discover.body.result!.capabilities as { extensions?: unknown }).extensions, { [EXT]: {} });
    assert.equal((discover.body.result!.capabilities as { tasks?: unknown }).tasks, undefined);

    const created = (await rpc(h, "tools/call", { name: "confirm", arguments: {} }, caps)).body.result!;
    assert.equal(created.resultType, "task");
    const taskId = created.taskId as string;
    assert.equal(typeof created.createdAt, "string");
    assert.ok("ttlMs" in created && !("ttl" in created));

    let got: Record<string, unknown> = {};
    for (let i = 0; i < 50 && got.status !== "input_required"; i++) {
      got = (await rpc(h, "tasks/get", { taskId }, caps)).body.result!;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(got.status, "input_required");
    assert.equal((got.inputRequests as Record<string, { method: string }>).ok?.method, "elicitation/create");
    const ack = (
      await rpc(h, "tasks/update", { taskId, inputResponses: { ok: { action: "accept", content: { ok: true } }, other: {} } }, caps)
    ).body.result!;
    assert.equal(ack.resultType, "complete");
    assert.ok(!("status" in ack));
    for (let i = 0; i < 50 && got.status !== "completed"; i++) {
      got = (await rpc(h, "tasks/get", { taskId }, caps)).body.result!;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(got.result, { content: [{ type: "text", text: "ok=true" }] });
    assert.equal(
      (await rpc(h, "tasks/cancel", { taskId }, caps)).body.result!.resultType,
      "complete",
      "cancelling a finished task is still an ack",
    );

    const noExt = { elicitation: {} };
    const required = await rpc(h, "tools/call", { name: "must", arguments: {} }, noExt);
    assert.deepEqual([required.status, required.body.error?.code], [400, -32021]);
    assert.equal((await rpc(h, "tasks/get", { taskId }, noExt)).body.error?.code, -32021);
    assert.equal((await rpc(h, "tasks/get", { taskId: "nope" }, caps)).body.error?.code, -32602);
    const list = await rpc(h, "tasks/list", {}, caps);
    assert.deepEqual([list.status, list.body.error?.code], [404, -32601]);
  } finally {
    await h.close();
    await server.close();
  }
});

test("a deferTask tool: its first ask is an input round, ctx.background() answers with the task, the rest runs as the task", async () => {
  const server = new McpServer({ name: "s", version: "1" }, { tasks: {} });
  server.registerTool("book", { execution: { taskSupport: "optional" }, deferTask: true }, async (_a, ctx) => {
    const r = await ctx.elicit(
      { message: "Which day?", requestedSchema: { type: "object", properties: { day: { type: "string" } } } },
      { inputKey: "day" },
    );
    await ctx.background();
    assert.ok(ctx.taskId, "the rest runs as the task");
    return `booked ${String(r.content?.day)}`;
  });
  const h = new StreamableHttpHandler(server);
  const caps = { elicitation: {}, extensions: { [EXT]: {} } };
  try {
    const r1 = (await rpc(h, "tools/call", { name: "book", arguments: {} }, caps)).body.result!;
    assert.equal(r1.resultType, "input_required");
    assert.equal(r1.taskId, undefined);
    const r2 = (
      await rpc(
        h,
        "tools/call",
        {
          name: "book",
          arguments: {},
          inputResponses: { day: { action: "accept", content: { day: "Monday" } } },
          requestState: r1.requestState,
        },
        caps,
      )
    ).body.result!;
    assert.equal(r2.resultType, "task");
    assert.ok(!("requestState" in r2) && !("inputRequests" in r2));
    let got: Record<string, unknown> = {};
    for (let i = 0; i < 50 && got.status !== "completed"; i++) {
      got = (await rpc(h, "tasks/get", { taskId: r2.taskId }, caps)).body.result!;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(got.result, { content: [{ type: "text", text: "booked Monday" }] });
    // Without the extension the same tool runs as a plain call, its ask an input round, background() doing nothing.
    const plain = (await rpc(h, "tools/call", { name: "book", arguments: {} }, { elicitation: {} })).body.result!;
    assert.equal(plain.resultType, "input_required");
  } finally {
    await h.close();
    await server.close();
  }
});

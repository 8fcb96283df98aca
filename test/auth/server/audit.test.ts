import { test } from "node:test";
import assert from "node:assert/strict";
import { auditRequests } from "../../../src/auth/server/audit.js";
import { MemoryAuditSink } from "../../../src/stores/audit.js";
import { McpServer } from "../../../src/server/index.js";
import { connectClient } from "../../helpers.js";

test("auditRequests: each request that reaches a handler — method, target, outcome, time; arguments hashed unless asked for", async () => {
  for (const clear of [false, true]) {
    const sink = new MemoryAuditSink();
    const server = new McpServer({ name: "s", version: "1" }, { onRequest: auditRequests(sink, { arguments: clear }) });
    server.registerTool("echo", { inputSchema: { type: "object", properties: { secret: { type: "string" } } } }, (a) => String(a.secret));
    server.registerTool("fails", {}, () => {
      throw new Error("boom");
    });
    const { client } = await connectClient(server);
    await client.callTool("echo", { secret: "hunter2" });
    await client.callTool("fails", {});
    await client.callTool("missing", {}).catch(() => {});
    await client.listTools();
    await client.close();
    const rows = sink.events.map((e) => [e.type, e.method, e.target, e.outcome]);
    assert.deepEqual(rows, [
      ["mcp_request", "tools/call", "echo", "ok"],
      ["mcp_request", "tools/call", "fails", "tool_error"],
      ["mcp_request", "tools/call", "missing", "-32602"],
      ["mcp_request", "tools/list", undefined, "ok"],
    ]);
    assert.ok(sink.events.every((e) => typeof e.durationMs === "number" && e.at));
    const detail = sink.events[0]!.detail!;
    if (clear) assert.deepEqual(detail, { arguments: { secret: "hunter2" } });
    else {
      assert.match(String(detail.argumentsSha256), /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(sink.events).includes("hunter2"));
    }
  }
});

test("a sink that throws does not fail the request", async () => {
  const errors: Error[] = [];
  const server = new McpServer(
    { name: "s", version: "1" },
    {
      onRequest: auditRequests(
        {
          write: () => {
            throw new Error("disk full");
          },
        },
        { onerror: (e) => errors.push(e) },
      ),
    },
  );
  server.registerTool("t", {}, () => "ok");
  const { client } = await connectClient(server);
  assert.equal(((await client.callTool("t", {})).content[0] as { text: string }).text, "ok");
  assert.equal(errors[0]?.message, "disk full");
  await client.close();
});

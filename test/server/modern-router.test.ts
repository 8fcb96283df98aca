import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { McpServer } from "../../src/server/index.js";
import { McpClient } from "../../src/client/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";

const EVERYTHING = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));

test("one connection, both revisions: 2026-07-28 requests get a session each, a 2025 client on the same server initializes", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("ask", {}, async (_a, ctx) => {
    const r = await ctx.elicit({ message: "name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } });
    return `hi ${String(r.content?.name)}`;
  });
  const elicitForm = () => ({ action: "accept" as const, content: { name: "Ada" } });

  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  const modern = new McpClient({ name: "c", version: "1" }, { protocolVersion: "auto", elicitForm });
  await modern.connect(b);
  assert.equal(modern.protocolVersion, "2026-07-28");
  assert.deepEqual((await modern.callTool("ask", {})).content, [{ type: "text", text: "hi Ada" }]);
  await assert.rejects(modern.request("ping"), /method not found/);

  const [c, d] = MemoryTransport.createPair();
  server.connect(c);
  const legacy = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25", elicitForm });
  await legacy.connect(d);
  assert.equal(legacy.protocolVersion, "2025-11-25");
  assert.deepEqual((await legacy.callTool("ask", {})).content, [{ type: "text", text: "hi Ada" }]);
  await modern.close();
  await legacy.close();
});

test("over stdio: the Trellis client negotiates 2026-07-28 with the everything server and answers its input rounds", async () => {
  const client = new McpClient(
    { name: "c", version: "1" },
    { protocolVersion: "auto", elicitForm: () => ({ action: "accept", content: { name: "Lin" } }) },
  );
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, "--stdio"] }));
  try {
    assert.equal(client.protocolVersion, "2026-07-28");
    assert.deepEqual((await client.callTool("test_input_required_result_elicitation", {})).content, [
      { type: "text", text: "Hello, Lin!" },
    ]);
  } finally {
    await client.close();
  }
});

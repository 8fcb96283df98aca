/** ServerSession: what a client may do before and after initialize, and a session started preinitialized. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { connectRaw } from "../helpers.js";

test("before initialize only ping is answered; a second initialize is refused", async () => {
  const s = new McpServer({ name: "s", version: "1" });
  s.registerTool("t", {}, () => "t");
  const c = await connectRaw(s, { initialize: false });
  assert.deepEqual(await c.rpc.request("ping"), {});
  await assert.rejects(c.rpc.request("tools/list"), /"tools\/list" received before "initialize"; initialize the session first/);
  await c.rpc.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } });
  await assert.rejects(
    c.rpc.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }),
    /"initialize" was already received on this session/,
  );
  assert.equal(((await c.rpc.request("tools/list")) as { tools: unknown[] }).tools.length, 1);
  await c.close();
});

test("a preinitialized session starts at its revision with the recorded client (stateless HTTP, a restored session)", () => {
  const s = new McpServer({ name: "s", version: "1" });
  const [a] = MemoryTransport.createPair();
  const session = s.connect(a, {
    preinitialized: { protocolVersion: "2025-06-18", clientCapabilities: { roots: {} }, clientInfo: { name: "old", version: "9" } },
  });
  assert.equal(session.initialized, true);
  assert.equal(session.protocolVersion, "2025-06-18");
  assert.deepEqual(session.clientCapabilities, { roots: {} });
  assert.deepEqual(session.clientInfo, { name: "old", version: "9" });
});

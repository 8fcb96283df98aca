/** initialize: version negotiation, the declared capabilities, instructions; notifications a client sends about itself. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw, waitFor } from "../helpers.js";

async function init(s: McpServer, protocolVersion: string) {
  const c = await connectRaw(s, { initialize: false });
  const r = (await c.rpc.request("initialize", {
    protocolVersion,
    capabilities: { roots: { listChanged: true } },
    clientInfo: { name: "t", version: "1" },
  })) as Record<string, any>;
  return { c, r };
}

test("initialize answers in the revision asked for when spoken, else the latest; capabilities follow what is registered", async () => {
  const s = new McpServer({ name: "life", version: "2" }, { instructions: "be brief" });
  for (const [asked, got] of [
    ["2025-11-25", "2025-11-25"],
    ["2025-06-18", "2025-06-18"],
    ["2025-03-26", "2025-03-26"],
    ["2099-01-01", "2025-11-25"],
    ["", "2025-11-25"],
  ]) {
    const { c, r } = await init(s, asked!);
    assert.equal(r.protocolVersion, got, asked);
    await c.close();
  }
  const { c, r } = await init(s, "2025-11-25");
  assert.deepEqual(r.capabilities, { logging: {}, completions: {} });
  assert.deepEqual(r.serverInfo, { name: "life", version: "2" });
  assert.equal(r.instructions, "be brief");
  await c.close();
  s.registerTool("t", {}, () => "t");
  s.registerPrompt("p", {}, () => []);
  const later = await init(s, "2025-11-25");
  assert.deepEqual(later.r.capabilities, { logging: {}, completions: {}, tools: { listChanged: true }, prompts: { listChanged: true } });
  await later.c.close();
});

test("notifications/roots/list_changed reaches onRootsListChanged with the session", async () => {
  const seen: unknown[] = [];
  const s = new McpServer({ name: "r", version: "1" }, { onRootsListChanged: (session) => seen.push(session) });
  const c = await connectRaw(s, { capabilities: { roots: { listChanged: true } } });
  c.rpc.notify("notifications/roots/list_changed");
  await waitFor(() => seen.length === 1);
  assert.equal(seen[0], c.server);
  await c.close();
});

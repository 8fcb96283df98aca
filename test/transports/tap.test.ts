/** tapTransport: an observer sees every message both ways, unchanged. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { McpClient } from "../../src/client/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { tapTransport } from "../../src/transports/tap.js";

test("tapTransport: every message, in and out, unchanged", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("hi", {}, () => "hello");
  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  const seen: string[] = [];
  const client = new McpClient({ name: "c", version: "1" });
  await client.connect(tapTransport(b, (d, m) => seen.push(`${d} ${(m as { method?: string }).method ?? "result"}`)));
  assert.equal(((await client.callTool("hi", {})).content[0] as { text: string }).text, "hello");
  await client.close();
  // The client's default offers 2026-07-28 first, which this server speaks: no handshake.
  assert.deepEqual(seen, ["out server/discover", "in result", "out tools/call", "in result"]);
});

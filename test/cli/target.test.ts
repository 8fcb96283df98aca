/** Targets: a URL among the arguments or a command after --; the transport tap sees every message both ways. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { McpClient } from "../../src/client/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { CliError, takeTarget, tapTransport } from "../../src/cli/target.js";

test("takeTarget: the first http(s) URL wherever it is, else the stdio command; neither is a usage error", () => {
  assert.deepEqual(takeTarget(["tools", "http://127.0.0.1:3000/mcp"], undefined), {
    target: { url: new URL("http://127.0.0.1:3000/mcp") },
    rest: ["tools"],
  });
  assert.deepEqual(takeTarget(["echo", "text=x"], ["node", "s.js"]), { target: { command: ["node", "s.js"] }, rest: ["echo", "text=x"] });
  assert.throws(
    () => takeTarget(["tools"], undefined),
    (e: Error) => e instanceof CliError && e.exitCode === 1 && /name a server/.test(e.message),
  );
  assert.throws(() => takeTarget(["http://[bad"], undefined), /not a URL/);
});

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
  assert.deepEqual(seen, ["out initialize", "in result", "out notifications/initialized", "out tools/call", "in result"]);
});

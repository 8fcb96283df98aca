/**
 * The everything example as an MCP Bundle: `npm run everything-bundle` builds it, mcpb validates its manifest,
 * Trellis reads it, and `trellis run` serves it over stdio to a client that lists and calls its tools.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readBundle } from "../../src/bundles/index.js";
import { McpClient } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const node = (args: string[]) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, args, { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: stdout + stderr }),
    ),
  );

test("the everything example packs into a bundle mcpb validates, and trellis run serves it", { timeout: 180_000 }, async () => {
  const built = await node(["scripts/everything-bundle.mjs"]);
  assert.equal(built.code, 0, built.out);
  const valid = await node(["node_modules/@anthropic-ai/mcpb/dist/cli/cli.js", "validate", ".trellis/everything-bundle/manifest.json"]);
  assert.equal(valid.code, 0, valid.out);
  assert.match(valid.out, /validation passes/);
  const bundle = readBundle(new Uint8Array(readFileSync(`${ROOT}.trellis/trellis-everything.mcpb`)));
  assert.deepEqual(bundle.problems, []);
  assert.ok(bundle.manifest.tools!.some((t) => t.name === "test_simple_text"));
  const client = new McpClient({ name: "bundle-host", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [`${ROOT}dist/bundle/cli.js`, "run", `${ROOT}.trellis/trellis-everything.mcpb`, "--yes"],
    }),
  );
  const tools = await client.listAllTools();
  assert.deepEqual(
    tools.map((t) => t.name).sort(),
    bundle.manifest.tools!.map((t) => t.name).sort(),
    "the manifest lists what the server serves",
  );
  const r = await client.callTool("test_simple_text", {});
  assert.equal((r.content[0] as { text: string }).text, "This is a simple text response for testing.");
  await client.close();
});

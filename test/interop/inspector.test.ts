/** Interop: the MCP Inspector CLI lists and calls the example server's tools over stdio. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
// inspector-cli 1.0.x looks for its own package.json relative to the working directory, so run it from
// its build folder (it reads "../package.json" there).
const cliDir = join(dirname(require.resolve("@modelcontextprotocol/inspector-cli/package.json")), "build");

async function inspector(...args: string[]): Promise<any> {
  const { stdout } = await run(process.execPath, [join(cliDir, "index.js"), process.execPath, server, "--stdio", ...args], {
    cwd: cliDir,
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

test("Inspector CLI: tools/list over stdio", async () => {
  const r = await inspector("--method", "tools/list");
  const names = r.tools.map((t: { name: string }) => t.name);
  for (const n of ["echo", "test_simple_text", "json_schema_2020_12_tool"]) assert.ok(names.includes(n), n);
  assert.equal(r.tools.find((t: { name: string }) => t.name === "echo").outputSchema.type, "object");
});

test("Inspector CLI: tools/call over stdio", async () => {
  const r = await inspector("--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=hello inspector");
  assert.deepEqual(r, { content: [{ type: "text", text: "hello inspector" }], structuredContent: { text: "hello inspector" } });
});

test("Inspector CLI: resources/read and prompts/get over stdio", async () => {
  const res = await inspector("--method", "resources/read", "--uri", "test://static-text");
  assert.equal(res.contents[0].text, "This is the content of the static text resource.");
  const p = await inspector("--method", "prompts/get", "--prompt-name", "test_prompt_with_arguments", "--prompt-args", "arg1=a", "arg2=b");
  assert.equal(p.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { McpServer } from "../../src/server/index.js";
import { LineChannel, StdioServerTransport } from "../../src/transports/stdio.js";
import { sleep } from "../helpers.js";
import { transportContract } from "../jsonrpc/transport.contract.js";

function setup(maxLineBytes?: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const s = new McpServer({ name: "io", version: "1" });
  s.registerTool("echo", { inputSchema: { type: "object", properties: { t: { type: "string" } } } }, (a) => String(a.t));
  s.connect(new StdioServerTransport(input, output, { maxLineBytes }));
  let out = "";
  output.on("data", (c) => (out += c));
  const lines = () =>
    out
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return { input, lines };
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
});

test("stdio: messages split across chunks, CRLF, blank lines and garbage lines", async () => {
  const { input, lines } = setup();
  input.write(INIT.slice(0, 20));
  input.write(`${INIT.slice(20)}\r\n\n`);
  input.write("this is not json\n");
  const call = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { t: "ünïcödé ✓" } } });
  const bytes = Buffer.from(`${call}\n`);
  // Split inside a multi-byte character to check that decoding waits for whole lines.
  const cut = bytes.indexOf(Buffer.from("ü")) + 1;
  input.write(bytes.subarray(0, cut));
  input.write(bytes.subarray(cut));
  await sleep(30);
  const out = lines();
  assert.equal(out[0].result.protocolVersion, "2025-11-25");
  assert.equal(out[1].error.code, -32700);
  assert.ok(!("id" in out[1]));
  assert.deepEqual(out[2], { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "ünïcödé ✓" }] } });
});

test("stdio: an over-long line is dropped with a parse error and the next line still works", async () => {
  const { input, lines } = setup(256);
  input.write(`${INIT}\n`);
  input.write("x".repeat(200));
  input.write(`${"y".repeat(200)}\n`);
  input.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" })}\n`);
  await sleep(30);
  const out = lines();
  assert.equal(out[1].error.code, -32700);
  assert.match(out[1].error.message, /longer than 256 bytes/);
  assert.deepEqual(out[2], { jsonrpc: "2.0", id: 2, result: {} });
});

test("stdio: deeply nested input is answered, not fatal, and the connection carries on", async () => {
  const { input, lines } = setup();
  input.write(`${INIT}\n`);
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  input.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"t":${deep}}}}\n`);
  let nested = "1";
  for (let i = 0; i < 5000; i++) nested = `{"a":${nested}}`;
  input.write(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"t":"x","extra":${nested}}}}\n`);
  input.write(`${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping" })}\n`);
  await sleep(200);
  const byId = new Map(lines().map((l) => [l.id, l]));
  assert.ok(byId.get(1).error || byId.get(1).result.isError, "the deep array is refused one way or another");
  assert.equal(byId.get(2).result.content[0].text, "x");
  assert.deepEqual(byId.get(3), { jsonrpc: "2.0", id: 3, result: {} });
});

transportContract("stdio LineChannel", () => {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return {
    a: new LineChannel(bToA, aToB),
    b: new LineChannel(aToB, bToA),
    dispose: () => {
      aToB.end();
      bToA.end();
    },
  };
});

/**
 * results.ts: what a prompt, resource or completer handler returns is checked before it is sent; an invalid one is
 * -32603 naming what returned it, the field, and where it was registered, and the server's onerror hears of it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { resultProblem } from "../../src/server/results.js";
import { CallToolResult } from "../../src/protocol/generated/validators.js";
import { connectRaw } from "../helpers.js";

const info = { name: "s", version: "1" };

test("resultProblem: the field and a hint; a Promise is called a forgotten await", () => {
  assert.equal(resultProblem(CallToolResult, { content: [{ type: "text", text: "ok" }] }), undefined);
  const p = resultProblem(CallToolResult, { content: [{ type: "text", text: Promise.resolve("x") }] })!;
  assert.match(p.problem, /^returned an invalid result: "content\.0\.text" must be string$/);
  assert.equal(p.fix, `"content.0.text" is a Promise: a forgotten await in its handler?`);
  assert.equal(resultProblem(CallToolResult, { content: [{ type: "text" }] })!.fix, "fix its handler");
});

test("a prompt, a resource, a template and a completer that return invalid results: -32603 naming each, and onerror", async () => {
  const errors: Error[] = [];
  const s = new McpServer(info, { onerror: (e) => errors.push(e) });
  const later = async () => "text";
  s.registerPrompt("greet", {}, (() => ({ messages: [{ role: "user", content: { type: "text", text: later() } }] })) as any);
  s.registerPrompt("fine", {}, () => ({ messages: [{ role: "user", content: { type: "text", text: "hi" } }] }));
  s.registerResource("test://r", { name: "r" }, (() => ({ contents: [{ uri: "test://r", text: 42 }] })) as any);
  s.registerResourceTemplate("test://items/{id}", { name: "items" }, (() => ({ contents: [{ uri: "test://items/1" }] })) as any);
  s.registerPrompt("pick", { arguments: [{ name: "city", complete: (() => [1, 2]) as any }] }, () => ({ messages: [] }));
  const c = await connectRaw(s);
  const refused = async (method: string, params: Record<string, unknown>, message: RegExp) =>
    assert.rejects(c.rpc.request(method, params), (e: any) => e.code === -32603 && message.test(e.message));
  await refused(
    "prompts/get",
    { name: "greet" },
    /^prompt "greet" returned an invalid result: "messages\.0\.content\.text" must be string; .* a forgotten await in its handler\? \(registered at .*results\.test\.js:\d+:\d+\)$/,
  );
  assert.equal(((await c.rpc.request("prompts/get", { name: "fine" })).messages as unknown[]).length, 1);
  await refused(
    "resources/read",
    { uri: "test://r" },
    /^resource "test:\/\/r" returned an invalid result: "contents\.0\.text" must be string/,
  );
  await refused(
    "resources/read",
    { uri: "test://items/1" },
    /^resource template "test:\/\/items\/\{id\}" \(reading "test:\/\/items\/1"\) returned an invalid result/,
  );
  await refused(
    "completion/complete",
    { ref: { type: "ref/prompt", name: "pick" }, argument: { name: "city", value: "p" } },
    /^the completer of prompt "pick" argument "city" returned an invalid result: "completion\.values\.0" must be string/,
  );
  assert.equal(errors.length, 4);
  await c.close();
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw } from "../helpers.js";

test("prompts: list, get with arguments, images and embedded resources, argument checks", async () => {
  const s = new McpServer({ name: "p", version: "1" });
  s.registerPrompt("greet", { title: "Greet", description: "Says hi", arguments: [{ name: "who", required: true }] }, (a) => [
    { role: "user", content: { type: "text", text: `hi ${a.who}` } },
  ]);
  s.registerPrompt("rich", {}, () => ({
    messages: [
      { role: "user", content: { type: "image", data: "AAAA", mimeType: "image/png" } },
      { role: "assistant", content: { type: "resource", resource: { uri: "file:///x", text: "x" } } },
    ],
  }));
  assert.throws(() => s.registerPrompt("dup", { arguments: [{ name: "a" }, { name: "a" }] }, () => []), /argument "a" is declared twice/);
  const c = await connectRaw(s);
  assert.deepEqual((await c.rpc.request("prompts/list")).prompts, [
    { name: "greet", title: "Greet", description: "Says hi", arguments: [{ name: "who", required: true }] },
    { name: "rich" },
  ]);
  assert.deepEqual(await c.rpc.request("prompts/get", { name: "greet", arguments: { who: "ann" } }), {
    description: "Says hi",
    messages: [{ role: "user", content: { type: "text", text: "hi ann" } }],
  });
  await assert.rejects(
    c.rpc.request("prompts/get", { name: "greet" }),
    (e: any) => e.code === -32602 && /needs argument "who"/.test(e.message),
  );
  await assert.rejects(c.rpc.request("prompts/get", { name: "greet", arguments: { who: 5 } }), (e: any) => e.code === -32602);
  assert.equal(((await c.rpc.request("prompts/get", { name: "rich" })).messages as any[]).length, 2);
  await c.close();
});

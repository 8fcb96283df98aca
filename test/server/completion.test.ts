/** completion/complete: prompt arguments and template variables, the 100-value cap, unknown references. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw } from "../helpers.js";

function fixture() {
  const s = new McpServer({ name: "c", version: "1" });
  s.registerPrompt(
    "greet",
    {
      arguments: [
        {
          name: "who",
          complete: (v, ctx) =>
            ["alice", "albert", "bob", `ctx:${ctx.arguments?.lang ?? "-"}`].filter((x) => x.startsWith(v) || x.startsWith("ctx")),
        },
        { name: "plain" },
      ],
    },
    () => [],
  );
  s.registerResourceTemplate(
    "items://{id}",
    { name: "items", complete: { id: () => Array.from({ length: 250 }, (_, i) => String(i)) } },
    () => ({ text: "" }),
  );
  s.registerResource("fixed://x", { name: "x" }, () => ({ text: "x" }));
  return s;
}

test("completion: values from the completer, with the context's arguments; an argument without one has none", async () => {
  const c = await connectRaw(fixture());
  const r = await c.rpc.request("completion/complete", {
    ref: { type: "ref/prompt", name: "greet" },
    argument: { name: "who", value: "al" },
    context: { arguments: { lang: "en" } },
  });
  assert.deepEqual(r, { completion: { values: ["alice", "albert", "ctx:en"], total: 3, hasMore: false } });
  assert.deepEqual(
    await c.rpc.request("completion/complete", { ref: { type: "ref/prompt", name: "greet" }, argument: { name: "plain", value: "" } }),
    { completion: { values: [] } },
  );
  await c.close();
});

test("completion: at most 100 values, with total and hasMore; a fixed resource has none; unknown references are -32602", async () => {
  const c = await connectRaw(fixture());
  const r = (await c.rpc.request("completion/complete", {
    ref: { type: "ref/resource", uri: "items://{id}" },
    argument: { name: "id", value: "" },
  })) as { completion: { values: string[]; total: number; hasMore: boolean } };
  assert.equal(r.completion.values.length, 100);
  assert.equal(r.completion.total, 250);
  assert.equal(r.completion.hasMore, true);
  assert.deepEqual(
    await c.rpc.request("completion/complete", { ref: { type: "ref/resource", uri: "fixed://x" }, argument: { name: "a", value: "" } }),
    { completion: { values: [] } },
  );
  await assert.rejects(
    c.rpc.request("completion/complete", { ref: { type: "ref/prompt", name: "nope" }, argument: { name: "a", value: "" } }),
    /-32602|unknown prompt "nope"/,
  );
  await assert.rejects(
    c.rpc.request("completion/complete", { ref: { type: "ref/resource", uri: "nope://{x}" }, argument: { name: "a", value: "" } }),
    /unknown resource template "nope:\/\/\{x\}"/,
  );
  await c.close();
});

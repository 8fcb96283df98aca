import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw, sleep, waitFor } from "../helpers.js";

function fixture() {
  const s = new McpServer({ name: "ctx", version: "1" });
  s.registerTool("ask", {}, async (_a, ctx) => {
    const r = await ctx.elicit({
      message: "name?",
      requestedSchema: {
        type: "object",
        properties: { name: { type: "string", default: "Ann" }, age: { type: "integer", minimum: 0 } },
        required: ["name"],
      },
    });
    return JSON.stringify(r);
  });
  s.registerTool("badschema", {}, async (_a, ctx) =>
    JSON.stringify(
      await ctx.elicit({ message: "x", requestedSchema: { type: "object", properties: { nested: { type: "object" } } } as any }),
    ),
  );
  s.registerTool("open", {}, async (_a, ctx) =>
    JSON.stringify(await ctx.elicit({ mode: "url", message: "Sign in", url: "https://auth.example.com/start", elicitationId: "e1" })),
  );
  s.registerTool("needsurl", {}, (_a, ctx) =>
    ctx.urlElicitationRequired([{ url: "https://auth.example.com/x", elicitationId: "e2", message: "Authorize" }]),
  );
  s.registerTool("think", {}, async (_a, ctx) => {
    const r = await ctx.sample({
      messages: [{ role: "user", content: { type: "text", text: "weather?" } }],
      maxTokens: 50,
      tools: [{ name: "get_weather", inputSchema: { type: "object", properties: { city: { type: "string" } } } }],
      toolChoice: { mode: "auto" },
    });
    return JSON.stringify(r);
  });
  s.registerTool("roots", {}, async (_a, ctx) => JSON.stringify(await ctx.listRoots()));
  s.registerTool("chatty", {}, async (_a, ctx) => {
    ctx.progress(1, 3, "one");
    ctx.progress(1, 3, "dup is dropped");
    ctx.progress(3, 3);
    ctx.log("debug", "hidden at info");
    ctx.log("warning", { disk: "low" }, "fs");
    return "done";
  });
  s.registerTool("wait", {}, (_a, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("aborted"))));
  return s;
}

test("elicit: form mode round trip, and accepted content is checked against requestedSchema", async () => {
  let answer: any = { action: "accept", content: { name: "Bo", age: 3 } };
  const c = await connectRaw(fixture(), {
    capabilities: { elicitation: { form: {} } },
    handlers: { "elicitation/create": (p) => (((c as any).lastElicit = p), answer) },
  });
  const r = await c.rpc.request("tools/call", { name: "ask" });
  assert.deepEqual(JSON.parse((r.content as any)[0].text), answer);
  assert.equal((c as any).lastElicit.mode, "form");
  assert.equal((c as any).lastElicit.requestedSchema.properties.name.default, "Ann");
  answer = { action: "accept", content: { age: -1 } };
  const missing = await c.rpc.request("tools/call", { name: "ask" });
  assert.equal(missing.isError, true);
  assert.match((missing.content as any)[0].text, /does not match requestedSchema: missing required field "name"/);
  answer = { action: "decline" };
  assert.deepEqual(JSON.parse(((await c.rpc.request("tools/call", { name: "ask" })).content as any)[0].text), { action: "decline" });
  const bs = await c.rpc.request("tools/call", { name: "badschema" });
  assert.equal(bs.isError, true);
  assert.match((bs.content as any)[0].text, /requestedSchema must be a flat object/);
  await c.close();
});

test("elicit: content that breaks the schema, or a client error, is a tool error, not a silent pass", async () => {
  const c = await connectRaw(fixture(), {
    capabilities: { elicitation: {} },
    handlers: { "elicitation/create": () => ({ action: "accept", content: { name: 5 } }) },
  });
  const r = await c.rpc.request("tools/call", { name: "ask" });
  assert.equal(r.isError, true);
  assert.match((r.content as any)[0].text, /elicitation response does not match requestedSchema: "name" must be a string/);
  await c.close();
  const failing = await connectRaw(fixture(), {
    capabilities: { elicitation: {} },
    handlers: { "elicitation/create": () => Promise.reject(new Error("user closed the dialog")) },
  });
  const f = await failing.rpc.request("tools/call", { name: "ask" });
  assert.match(
    (f.content as any)[0].text,
    /the client answered "elicitation\/create" with error -32603: internal error: user closed the dialog/,
  );
  await failing.close();
  await c.close();
});

test("elicit: URL mode needs elicitation.url; -32042 carries the elicitations", async () => {
  const formOnly = await connectRaw(fixture(), { capabilities: { elicitation: { form: {} } } });
  const refused = await formOnly.rpc.request("tools/call", { name: "open" });
  assert.equal(refused.isError, true);
  assert.match((refused.content as any)[0].text, /did not declare the "elicitation.url" capability/);
  await formOnly.close();
  const c = await connectRaw(fixture(), {
    capabilities: { elicitation: { url: {} } },
    handlers: { "elicitation/create": (p) => ({ action: "accept", _echo: p }) },
  });
  const r = JSON.parse(((await c.rpc.request("tools/call", { name: "open" })).content as any)[0].text);
  assert.equal(r.action, "accept");
  await assert.rejects(
    c.rpc.request("tools/call", { name: "needsurl" }),
    (e: any) => e.code === -32042 && e.data.elicitations[0].mode === "url" && e.data.elicitations[0].elicitationId === "e2",
  );
  c.server.notifyElicitationComplete("e1");
  await waitFor(() => c.notifications.find((n) => n.method === "notifications/elicitation/complete"));
  await c.close();
});

test("sample: tools and toolChoice need sampling.tools", async () => {
  const plain = await connectRaw(fixture(), { capabilities: { sampling: {} } });
  const r = await plain.rpc.request("tools/call", { name: "think" });
  assert.match((r.content as any)[0].text, /did not declare "sampling.tools"/);
  await plain.close();
  const reply = {
    role: "assistant",
    content: { type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } },
    model: "m",
    stopReason: "toolUse",
  };
  const c = await connectRaw(fixture(), {
    capabilities: { sampling: { tools: {} } },
    handlers: { "sampling/createMessage": (p) => (assert.equal((p.tools as any[])[0].name, "get_weather"), reply) },
  });
  assert.deepEqual(JSON.parse(((await c.rpc.request("tools/call", { name: "think" })).content as any)[0].text), reply);
  await c.close();
});

test("capabilities missing: elicit, sample and roots are refused with the capability named", async () => {
  const c = await connectRaw(fixture());
  for (const [tool, cap] of [
    ["ask", '"elicitation"'],
    ["think", '"sampling"'],
    ["roots", '"roots"'],
  ]) {
    const r = await c.rpc.request("tools/call", { name: tool });
    assert.equal(r.isError, true, tool);
    assert.ok((r.content as any)[0].text.includes(`did not declare the ${cap} capability`), tool);
  }
  await c.close();
});

test("roots: listRoots asks the client", async () => {
  const c = await connectRaw(fixture(), {
    capabilities: { roots: { listChanged: true } },
    handlers: { "roots/list": () => ({ roots: [{ uri: "file:///repo", name: "repo" }] }) },
  });
  assert.deepEqual(JSON.parse(((await c.rpc.request("tools/call", { name: "roots" })).content as any)[0].text), {
    roots: [{ uri: "file:///repo", name: "repo" }],
  });
  await c.close();
});

test("progress is sent only with a token and only increasing; logs respect logging/setLevel", async () => {
  const c = await connectRaw(fixture());
  await c.rpc.request("logging/setLevel", { level: "info" });
  const seen: unknown[] = [];
  await c.rpc.request("tools/call", { name: "chatty" }, { onprogress: (p) => seen.push(p) });
  assert.deepEqual(seen, [
    { progress: 1, total: 3, message: "one" },
    { progress: 3, total: 3, message: undefined },
  ]);
  assert.deepEqual(
    c.notifications.filter((n) => n.method === "notifications/message").map((n) => n.params),
    [{ level: "warning", data: { disk: "low" }, logger: "fs" }],
  );
  await c.close();
});

test("cancellation reaches the handler's signal", async () => {
  const c = await connectRaw(fixture());
  const ac = new AbortController();
  const p = c.rpc.request("tools/call", { name: "wait" }, { signal: ac.signal });
  await sleep(10);
  ac.abort("changed my mind");
  await assert.rejects(p, /request cancelled/);
  assert.deepEqual(await c.rpc.request("ping"), {});
  await c.close();
});

import { test } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import * as v from "valibot";
import { McpServer } from "../../src/server/index.js";
import { connectRaw, waitFor } from "../helpers.js";

const info = { name: "t", version: "1" };

test("tool names are checked at registration against the spec's rules", () => {
  const s = new McpServer(info);
  for (const good of ["getUser", "DATA_EXPORT_v2", "admin.tools.list", "a-b", "x".repeat(128)]) s.registerTool(good, {}, () => "");
  const bad = [
    { name: "", fix: /rename it/ },
    { name: "has space", fix: /for example to "has_space"/ },
    { name: "slash/name", fix: /"slash_name"/ },
    { name: "x".repeat(129), fix: /1-128 characters/ },
    { name: "comma,name", fix: /A-Z, a-z, 0-9/ },
  ];
  for (const b of bad)
    assert.throws(
      () => s.registerTool(b.name, {}, () => ""),
      (e: any) => e instanceof TypeError && (e as any).code === "ERR_INVALID_ARG_VALUE" && b.fix.test(e.message),
      b.name,
    );
  assert.throws(() => s.registerTool("getUser", {}, () => ""), /registerTool "getUser": a tool with this name is already registered/);
});

test("schemas are compiled at registration and bad ones name the fix", () => {
  const s = new McpServer(info);
  assert.throws(() => s.registerTool("a", { inputSchema: { type: "string" } }, () => ""), /the root must have "type": "object"/);
  assert.throws(
    () => s.registerTool("b", { inputSchema: { type: "object", properties: { x: { type: "nope" } } } }, () => ""),
    /is not a valid JSON Schema/,
  );
  assert.throws(() => s.registerTool("c", { inputSchema: 5 as any }, () => ""), /must be a JSON Schema object or a Standard Schema/);
  assert.throws(() => s.registerTool("d", { icons: [{ src: "javascript:alert(1)" }] }, () => ""), /must be an https:, http: or data: URI/);
});

test("tools/call: arguments are validated (SEP-1303), results normalized and checked", async () => {
  const s = new McpServer(info);
  s.registerTool(
    "add",
    { inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number", default: 1 } }, required: ["a"] } },
    (args) => String((args.a as number) + (args.b as number)),
  );
  s.registerTool(
    "structured",
    { outputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } },
    () => ({ structuredContent: { n: 3 } }) as any,
  );
  s.registerTool("liar", { outputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } }, () => ({
    content: [],
    structuredContent: { n: "x" },
  }));
  s.registerTool("thrower", {}, () => {
    throw new Error("disk full");
  });
  const c = await connectRaw(s);
  assert.deepEqual(await c.rpc.request("tools/call", { name: "add", arguments: { a: 2 } }), { content: [{ type: "text", text: "3" }] });
  const invalid = await c.rpc.request("tools/call", { name: "add", arguments: { a: "two" } });
  assert.equal(invalid.isError, true);
  assert.match((invalid.content as any)[0].text, /Invalid arguments for tool "add": "a" must be number/);
  const missing = await c.rpc.request("tools/call", { name: "add", arguments: {} });
  assert.match((missing.content as any)[0].text, /missing required property "a"/);
  assert.deepEqual(await c.rpc.request("tools/call", { name: "structured" }), {
    structuredContent: { n: 3 },
    content: [{ type: "text", text: '{"n":3}' }],
  });
  const liar = await c.rpc.request("tools/call", { name: "liar" });
  assert.equal(liar.isError, true);
  assert.match(
    (liar.content as any)[0].text,
    /does not match its outputSchema: "n" must be integer; return matching \{ structuredContent \}/,
  );
  assert.deepEqual(await c.rpc.request("tools/call", { name: "thrower" }), {
    content: [{ type: "text", text: "disk full" }],
    isError: true,
  });
  await assert.rejects(
    c.rpc.request("tools/call", { name: "nope" }),
    (e: any) => e.code === -32602 && /unknown tool "nope"/.test(e.message),
  );
  await c.close();
});

test("Standard Schema: zod 4 and valibot validate and transform; JSON Schema is listed", async () => {
  const s = new McpServer(info);
  s.registerTool("zod", { inputSchema: z.object({ n: z.coerce.number().int(), tag: z.string().default("none") }) }, (args) =>
    JSON.stringify(args),
  );
  const vs = v.object({ email: v.pipe(v.string(), v.email()) });
  s.registerTool(
    "valibot",
    {
      inputSchema: vs,
      inputJsonSchema: { type: "object", properties: { email: { type: "string", format: "email" } }, required: ["email"] },
    },
    (args) => args.email,
  );
  assert.throws(
    () => s.registerTool("valibot2", { inputSchema: vs }, () => ""),
    /does not describe itself as JSON Schema; pass the JSON Schema yourself as the "jsonSchema" option/,
  );
  const c = await connectRaw(s);
  const list = (await c.rpc.request("tools/list")).tools as any[];
  assert.equal(list[0].inputSchema.type, "object");
  assert.deepEqual(list[0].inputSchema.required, ["n"]);
  assert.deepEqual(await c.rpc.request("tools/call", { name: "zod", arguments: { n: "4" } }), {
    content: [{ type: "text", text: '{"n":4,"tag":"none"}' }],
  });
  const bad = await c.rpc.request("tools/call", { name: "valibot", arguments: { email: "nope" } });
  assert.equal(bad.isError, true);
  assert.match((bad.content as any)[0].text, /"email": Invalid email/);
  await c.close();
});

test("lists are paginated with opaque cursors that survive removals", async () => {
  const s = new McpServer(info, { pageSize: 2 });
  const handles = ["a", "b", "c", "d", "e"].map((n) => s.registerTool(n, {}, () => n));
  const c = await connectRaw(s);
  const p1 = await c.rpc.request("tools/list");
  assert.deepEqual(
    (p1.tools as any[]).map((t) => t.name),
    ["a", "b"],
  );
  handles[2]!.remove();
  const p2 = await c.rpc.request("tools/list", { cursor: p1.nextCursor });
  assert.deepEqual(
    (p2.tools as any[]).map((t) => t.name),
    ["d", "e"],
  );
  assert.equal(p2.nextCursor, undefined);
  await assert.rejects(
    c.rpc.request("tools/list", { cursor: "bogus" }),
    (e: any) => e.code === -32602 && /not issued by this server/.test(e.message),
  );
  await c.close();
});

test("registering or removing at run time sends one list_changed per tick", async () => {
  const s = new McpServer(info);
  s.registerTool("a", {}, () => "");
  const c = await connectRaw(s);
  s.registerTool("b", {}, () => "");
  const h = s.registerTool("c", {}, () => "");
  await waitFor(() => c.notifications.length > 0);
  h.remove();
  s.registerPrompt("p", {}, () => []);
  await waitFor(() => c.notifications.length >= 3);
  assert.deepEqual(
    c.notifications.map((n) => n.method),
    ["notifications/tools/list_changed", "notifications/tools/list_changed", "notifications/prompts/list_changed"],
  );
  await c.close();
});

test("requests before initialize are refused; a second initialize too", async () => {
  const s = new McpServer(info);
  s.registerTool("a", {}, () => "");
  const c = await connectRaw(s, { initialize: false });
  await assert.rejects(c.rpc.request("tools/list"), /"tools\/list" received before "initialize"/);
  assert.deepEqual(await c.rpc.request("ping"), {});
  await c.rpc.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } });
  await assert.rejects(
    c.rpc.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } }),
    /already received/,
  );
  await c.close();
});

test("older revisions are answered in kind, without newer fields", async () => {
  const s = new McpServer({ ...info, icons: [{ src: "https://x/i.png" }] });
  s.registerTool("a", { title: "A", icons: [{ src: "https://x/a.png" }], outputSchema: { type: "object" } }, () => ({
    content: [],
    structuredContent: {},
  }));
  const old = await connectRaw(s, { initialize: false });
  const init = await old.rpc.request("initialize", {
    protocolVersion: "2025-03-26",
    capabilities: {},
    clientInfo: { name: "x", version: "1" },
  });
  assert.equal(init.protocolVersion, "2025-03-26");
  assert.equal((init.serverInfo as any).icons, undefined);
  const tools = (await old.rpc.request("tools/list")).tools as any[];
  assert.deepEqual(Object.keys(tools[0]).sort(), ["inputSchema", "name"]);
  assert.equal((await old.rpc.request("tools/call", { name: "a" })).structuredContent, undefined);
  await old.close();
});

test("a handler's invalid result (a forgotten await, a wrong field) becomes an isError result naming the tool, the field and where it was registered", async () => {
  const errors: Error[] = [];
  const s = new McpServer(info, { onerror: (e) => errors.push(e) });
  const lookup = async (city: string) => `Sunny in ${city}`;
  // A forgotten await: text is a Promise, which JSON would send as {}.
  s.registerTool("forgot", {}, (() => ({ content: [{ type: "text", text: lookup("Paris") }] })) as any);
  s.registerTool("wrong_type", {}, (() => ({ content: [{ type: "picture", data: "x" }] })) as any);
  s.registerTool("nothing", {}, (() => null) as any);
  s.registerTool("no_content", {}, (() => ({ text: "hi" })) as any);
  s.registerTool("wrapped", {}, (() => ({ content: [{ type: "text", text: "fine" }] })) as any);
  const c = await connectRaw(s);
  const forgot = await c.rpc.request("tools/call", { name: "forgot" });
  assert.equal(forgot.isError, true);
  const text = (forgot.content as any)[0].text as string;
  assert.match(
    text,
    /^tool "forgot" returned an invalid result: "content\.0\.text" must be string; "content\.0\.text" is a Promise: a forgotten await in its handler\?/,
  );
  assert.match(text, /\(registered at .*tools\.test\.js:\d+:\d+\)$/, "the file that registered the tool");
  const wrong = await c.rpc.request("tools/call", { name: "wrong_type" });
  assert.equal(wrong.isError, true);
  assert.match((wrong.content as any)[0].text, /^tool "wrong_type" returned an invalid result: .*content\.0/);
  assert.match(
    ((await c.rpc.request("tools/call", { name: "nothing" })).content as any)[0].text,
    /^tool "nothing" returned null; return a string or a CallToolResult/,
  );
  assert.match(((await c.rpc.request("tools/call", { name: "no_content" })).content as any)[0].text, /without "content"/);
  assert.deepEqual(await c.rpc.request("tools/call", { name: "wrapped" }), { content: [{ type: "text", text: "fine" }] });
  assert.equal(errors.length, 4, "each reported to the server's onerror too");
  await c.close();
});

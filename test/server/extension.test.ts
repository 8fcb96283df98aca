/**
 * Server extensions (SEP-2133) through the registrar: declared in capabilities only once used, methods with their
 * params checked, what was negotiated visible to handlers, collisions refused at registration (leaving nothing
 * behind), a required client extension enforced with -32021, and hooks around tool calls and tools/list — over the
 * in-memory pair and Streamable HTTP.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { McpServer, defineExtension, ErrorCode } from "../../src/server/index.js";
import { McpClient, defineClientExtension } from "../../src/client/index.js";
import { serveHttp } from "../../src/transports/http/index.js";
import { StreamableHttpClientTransport } from "../../src/client/index.js";
import { closeHttpServers, connectClient, connectRaw } from "../helpers.js";

after(closeHttpServers);

const search = defineExtension({
  id: "com.example/search",
  settings: { maxResults: 10 },
  setup(x) {
    x.method("search/query", {
      params: { type: "object", properties: { q: { type: "string", minLength: 1 } }, required: ["q"] },
      handler: (params, ctx) => ({ hits: [`${params.q}!`], negotiated: ctx.extensions }),
    });
    x.registerTool("search_tool", { description: "searches" }, (_args, ctx) => JSON.stringify(ctx.extensions));
    return { queries: () => "api" };
  },
});

function serverWith(...exts: Parameters<McpServer["use"]>[0][]) {
  const server = new McpServer({ name: "ext", version: "1" });
  for (const e of exts) server.use(e);
  return server;
}

for (const transport of ["memory", "http"] as const) {
  test(`${transport}: a used extension is declared with its settings, its method answers, and handlers see what the client declared`, async () => {
    const server = new McpServer({ name: "ext", version: "1" });
    assert.deepEqual(server.use(search).queries(), "api");
    const raw = await connectRaw(server, {
      transport,
      capabilities: { extensions: { "com.example/search": { v: 2 }, "org.other/unknown": {} } },
    });
    const init = await raw.rpc
      .request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "probe", version: "1" },
      })
      .catch((e) => e);
    // a second initialize is refused; the first one (connectRaw) declared the extensions
    assert.equal(init.code, ErrorCode.InvalidRequest);
    const r = await raw.rpc.request("search/query", { q: "mcp" });
    assert.deepEqual(r, { hits: ["mcp!"], negotiated: { "com.example/search": { v: 2 } } });
    const bad = await raw.rpc.request("search/query", { q: "" }).catch((e) => e);
    assert.equal(bad.code, ErrorCode.InvalidParams);
    assert.match(bad.message, /invalid params for "search\/query": .*q/);
    const tool = (await raw.rpc.request("tools/call", { name: "search_tool" })) as { content: { text: string }[] };
    assert.deepEqual(JSON.parse(tool.content[0]!.text), { "com.example/search": { v: 2 } });
    await raw.close();
  });

  test(`${transport}: McpClient.use declares the extension, sees the server's settings, and calls its method`, async () => {
    const server = serverWith(search);
    const client = new McpClient({ name: "c", version: "1" });
    const api = client.use(
      defineClientExtension({
        id: "com.example/search",
        settings: { v: 1 },
        setup: (x) => ({ query: (q: string) => x.client.request("search/query", { q }) }),
      }),
    );
    if (transport === "memory") await connectClient(server).then(({ client: c }) => c.close());
    const { url, close } =
      transport === "http" ? await serveHttp(server, { eventStore: "memory", sessionStore: "memory" }) : { url: "", close: async () => {} };
    if (transport === "http") await client.connect(new StreamableHttpClientTransport(url));
    else {
      const { MemoryTransport } = await import("../../src/index.js");
      const [a, b] = MemoryTransport.createPair();
      server.connect(a);
      await client.connect(b);
    }
    assert.deepEqual(client.capabilities.extensions, { "com.example/search": { v: 1 } });
    assert.deepEqual(client.extensions, { "com.example/search": { maxResults: 10 } });
    assert.deepEqual(await api.query("x"), { hits: ["x!"], negotiated: { "com.example/search": { v: 1 } } });
    await client.close();
    await close();
  });

  test(`${transport}: a required client extension: initialize works, then every request from a client without it is -32021 naming it`, async () => {
    const server = serverWith(defineExtension({ id: "com.example/must", requireClient: true, setup() {} }));
    server.registerTool("t", {}, () => "ok");
    const without = await connectRaw(server, { transport });
    const err = await without.rpc.request("tools/list", {}).catch((e) => e);
    assert.equal(err.code, ErrorCode.MissingRequiredClientCapability);
    assert.equal(err.code, -32021);
    assert.deepEqual(err.data, { requiredCapabilities: { extensions: { "com.example/must": {} } } });
    assert.match(err.message, /com\.example\/must/);
    assert.deepEqual(await without.rpc.request("ping", {}), {});
    const withIt = await connectRaw(server, { transport, capabilities: { extensions: { "com.example/must": {} } } });
    assert.equal(((await withIt.rpc.request("tools/list", {})) as { tools: unknown[] }).tools.length, 1);
    await without.close();
    await withIt.close();
  });
}

test("stateless HTTP: a required client extension is not enforced after initialize, since no capabilities arrive with the request", async () => {
  const server = serverWith(defineExtension({ id: "com.example/must", requireClient: true, setup() {} }));
  server.registerTool("t", {}, (_a, ctx) => JSON.stringify(ctx.extensions));
  const http = await serveHttp(server, { stateless: true });
  // 2025-11-25: a 2026-07-28 request carries the client's capabilities, so there the requirement holds.
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(new StreamableHttpClientTransport(http.url));
  assert.equal(((await client.callTool("t")).content[0] as { text: string }).text, "{}");
  await client.close();
  await http.close();
});

test("extensions are off by default: no use(), no extensions capability; a client's unknown extensions are ignored", async () => {
  const server = new McpServer({ name: "plain", version: "1" });
  server.registerTool("t", {}, (_a, ctx) => JSON.stringify(ctx.extensions));
  const raw = await connectRaw(server, { capabilities: { extensions: { "com.example/search": {} } } });
  assert.deepEqual(raw.server.extensions, {});
  const { client } = await connectClient(server);
  assert.equal(client.capabilities.extensions, undefined);
  assert.equal(client.serverCapabilities?.extensions, undefined);
  assert.deepEqual(client.extensions, {});
  assert.equal(((await client.callTool("t")).content[0] as { text: string }).text, "{}");
  const notFound = await raw.rpc.request("search/query", { q: "x" }).catch((e) => e);
  assert.equal(notFound.code, ErrorCode.MethodNotFound);
  await raw.close();
});

test("a malformed extensions capability from a client is ignored, not an error", async () => {
  const server = serverWith(search);
  const raw = await connectRaw(server, { capabilities: { extensions: { "com.example/search": true, x: [1] } } });
  assert.deepEqual(raw.server.extensions, {});
  const raw2 = await connectRaw(server, { capabilities: { extensions: "yes" } });
  assert.deepEqual(raw2.server.extensions, {});
  await raw.close();
  await raw2.close();
});

test("registration refuses bad identifiers, spec methods, collisions and late use, with messages that name the fix", () => {
  const server = new McpServer({ name: "x", version: "1" });
  const ext = (id: string, setup: Parameters<typeof defineExtension>[0]["setup"] = () => {}) => defineExtension({ id, setup });
  for (const id of ["search", "/search", "com.example/", "com..example/x", "1com.example/x", "com.example/-x", "com.example/x y", "com-/x"])
    assert.throws(() => server.use(ext(id)), /is not an extension identifier; use "\{vendor-prefix\}\/\{name\}"/, id);
  for (const name of ["tools/list", "ping", "initialize", "sampling/createMessage", "notifications/cancelled"])
    assert.throws(
      () => server.use(ext("com.example/a", (x) => x.method(name, { handler: () => ({}) }))),
      /which the MCP specification defines/,
      name,
    );
  assert.throws(
    () => server.use(ext("com.example/a", (x) => x.notification("notifications/initialized", () => {}))),
    /which the MCP specification defines/,
  );
  server.use(ext("com.example/one", (x) => x.method("shared/list", { handler: () => ({}) })));
  assert.throws(
    () => server.use(ext("com.example/two", (x) => x.method("shared/list", { handler: () => ({}) }))),
    /extension "com.example\/two": cannot handle "shared\/list", which extension "com.example\/one" already handles/,
  );
  assert.throws(() => server.use(ext("com.example/one")), /already in use/);
  assert.throws(
    () => server.use(defineExtension({ id: "com.example/s", settings: [] as never, setup() {} })),
    /settings must be a JSON object/,
  );
  assert.throws(() => server.use({ id: "com.example/z" } as never), /pass an extension object with "id" and "setup"/);
  assert.throws(
    () =>
      server.use(
        ext("com.example/p", (x) =>
          x.method("p/get", { params: { type: "object", properties: { a: { type: "nope" } } } as never, handler: () => ({}) }),
        ),
      ),
    /method "p\/get" params: is not a valid JSON Schema 2020-12/,
  );
});

test("a refused extension leaves nothing behind: items it registered are removed, its methods never answer", async () => {
  const server = new McpServer({ name: "x", version: "1" });
  server.use(defineExtension({ id: "com.example/first", setup: (x) => x.method("dup/get", { handler: () => ({}) }) }));
  assert.throws(() =>
    server.use(
      defineExtension({
        id: "com.example/second",
        setup(x) {
          x.registerTool("left_behind", {}, () => "no");
          x.method("second/get", { handler: () => ({}) });
          x.method("dup/get", { handler: () => ({}) });
        },
      }),
    ),
  );
  const { client } = await connectClient(server);
  assert.deepEqual(await client.listAllTools(), []);
  assert.equal(client.serverCapabilities?.extensions?.["com.example/second"], undefined);
  assert.equal((await client.request("second/get", {}).catch((e) => e)).code, ErrorCode.MethodNotFound);
  assert.throws(() => server.use(defineExtension({ id: "com.example/late", setup() {} })), /before connecting clients/);
  await client.close();
});

test("a method can require the client to have declared the extension", async () => {
  const server = serverWith(
    defineExtension({
      id: "com.example/strict",
      setup: (x) => x.method("strict/get", { requireNegotiated: true, handler: () => ({ ok: true }) }),
    }),
  );
  const without = await connectRaw(server);
  const err = await without.rpc.request("strict/get", {}).catch((e) => e);
  assert.equal(err.code, -32021);
  assert.deepEqual(err.data.requiredCapabilities, { extensions: { "com.example/strict": {} } });
  const withIt = await connectRaw(server, { capabilities: { extensions: { "com.example/strict": {} } } });
  assert.deepEqual(await withIt.rpc.request("strict/get", {}), { ok: true });
  await without.close();
  await withIt.close();
});

test("tool hooks: around every call (outermost first, may answer instead of the tool) and over tools/list (change or hide)", async () => {
  const order: string[] = [];
  const server = new McpServer({ name: "hooks", version: "1" });
  server.registerTool("plain", {}, () => (order.push("tool"), "ran"));
  server.registerTool("secret", {}, () => "never listed");
  server.use(
    defineExtension({
      id: "com.example/audit",
      setup(x) {
        x.aroundToolCall(async (call, next) => {
          order.push(`outer:${call.tool.name}`);
          const r = await next();
          order.push("outer:after");
          return r;
        });
        x.aroundToolCall(async (call, next) =>
          call.arguments?.block ? { content: [{ type: "text", text: "blocked" }], isError: true } : next(),
        );
        x.onToolList((tool) => (tool.name === "secret" ? undefined : { ...tool, _meta: { "com.example/audited": true } }));
      },
    }),
  );
  const { client } = await connectClient(server);
  const tools = await client.listAllTools();
  assert.deepEqual(
    tools.map((t) => [t.name, t._meta]),
    [["plain", { "com.example/audited": true }]],
  );
  assert.equal(((await client.callTool("plain")).content[0] as { text: string }).text, "ran");
  assert.deepEqual(order, ["outer:plain", "tool", "outer:after"]);
  const blocked = await client.callTool("plain", { block: true });
  assert.equal(blocked.isError, true);
  assert.equal(order.filter((o) => o === "tool").length, 1);
  await client.close();
});

test("2026-07-28: a required client extension is enforced per request, from the capabilities its _meta declares", async () => {
  const { modernPost } = await import("../fixtures/modern.js");
  const { StreamableHttpHandler } = await import("../../src/transports/http/index.js");
  const server = serverWith(defineExtension({ id: "com.example/must", requireClient: true, setup() {} }));
  server.registerTool("t", {}, () => "ok");
  const h = new StreamableHttpHandler(server);
  const without = (await (await modernPost(h.fetch, "tools/list", {})).json()) as { error?: { code: number } };
  assert.equal(without.error?.code, -32021);
  const withIt = (await (await modernPost(h.fetch, "tools/list", {}, { caps: { extensions: { "com.example/must": {} } } })).json()) as {
    result?: { tools: unknown[] };
  };
  assert.equal(withIt.result?.tools.length, 1);
  await h.close();
});

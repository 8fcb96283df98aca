/**
 * 2026-07-28 requests on the Streamable HTTP endpoint that also serves 2025-11-25 sessions: the revision's checks in
 * order, a 2025 initialize beside them, and a multi round-trip elicitation whose retry lands on another process
 * that shares the store (and so the requestState secret).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { McpServer } from "../../../src/server/index.js";
import { StreamableHttpHandler } from "../../../src/transports/http/index.js";
import { spawnServer } from "../../helpers.js";

const SERVER = fileURLToPath(new URL("../../../examples/everything/server.js", import.meta.url));
const V = "2026-07-28";
const envelope = { "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": { elicitation: {} } };
type Reply = {
  status: number;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
};

function send(
  fetcher: (r: Request) => Promise<Response>,
  url: string,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string | undefined> = {},
): Promise<Reply> {
  const name = typeof params.name === "string" ? params.name : typeof params.uri === "string" ? params.uri : undefined;
  const h: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    host: new URL(url).host,
    "mcp-protocol-version": V,
    "mcp-method": method,
    ...(name ? { "mcp-name": name } : {}),
  };
  for (const [k, v] of Object.entries(headers)) v === undefined ? delete h[k] : (h[k] = v);
  return fetcher(new Request(url, { method: "POST", headers: h, body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }) })).then(
    async (r) => {
      const text = await r.text();
      const data = r.headers.get("content-type")?.includes("event-stream")
        ? text
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => JSON.parse(l.slice(6)))
            .find((m) => m.id === 7)
        : JSON.parse(text);
      return { status: r.status, body: data };
    },
  );
}

test("the revision's checks come in its order, each error names the request's id, and a 2025 initialize still works", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("hello", { description: "says hello" }, () => "hi");
  const h = new StreamableHttpHandler(server);
  const url = "http://127.0.0.1/mcp";
  const call = (params: Record<string, unknown>, headers?: Record<string, string | undefined>, method = "tools/call") =>
    send(h.fetch, url, method, params, headers);

  const ok = await call({ name: "hello", _meta: envelope });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.result?.resultType, "complete");
  assert.deepEqual((ok.body.result!._meta as Record<string, unknown>)["io.modelcontextprotocol/serverInfo"], { name: "s", version: "1" });

  const cases: [string, Promise<Reply>, number, number][] = [
    ["no _meta", call({ name: "hello" }), 400, -32602],
    ["no MCP-Protocol-Version", call({ name: "hello", _meta: envelope }, { "mcp-protocol-version": undefined }), 400, -32020],
    ["header ≠ _meta", call({ name: "hello", _meta: { ...envelope, "io.modelcontextprotocol/protocolVersion": "v9" } }), 400, -32020],
    [
      "a revision not spoken",
      call({ name: "hello", _meta: { ...envelope, "io.modelcontextprotocol/protocolVersion": "v9" } }, { "mcp-protocol-version": "v9" }),
      400,
      -32022,
    ],
    ["no Mcp-Method", call({ name: "hello", _meta: envelope }, { "mcp-method": undefined }), 400, -32020],
    ["Mcp-Method ≠ method", call({ name: "hello", _meta: envelope }, { "mcp-method": "tools/list" }), 400, -32020],
    ["Mcp-Name ≠ name", call({ name: "hello", _meta: envelope }, { "mcp-name": "other" }), 400, -32020],
    ["initialize, removed", call({ _meta: envelope }, {}, "initialize"), 404, -32601],
    ["ping, removed", call({ _meta: envelope }, {}, "ping"), 404, -32601],
  ];
  for (const [what, reply, status, code] of cases) {
    const r = await reply;
    assert.deepEqual([r.status, r.body.error?.code, r.body.id], [status, code, 7], what);
  }
  const v9 = await call(
    { name: "hello", _meta: { ...envelope, "io.modelcontextprotocol/protocolVersion": "v9" } },
    { "mcp-protocol-version": "v9" },
  );
  assert.deepEqual(v9.body.error?.data, { supported: [V], requested: "v9" });
  // A base64-sent Mcp-Name is decoded before it is compared.
  const b64 = await call({ name: "hello", _meta: envelope }, { "mcp-name": `=?base64?${Buffer.from("hello").toString("base64")}?=` });
  assert.equal(b64.status, 200);

  const discover = await call({ _meta: envelope }, {}, "server/discover");
  assert.deepEqual(discover.body.result?.supportedVersions, [V]);
  assert.equal(discover.body.result?.cacheScope, "private");
  assert.equal(discover.body.result?.ttlMs, 0);

  const init = await h.fetch(
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", host: "127.0.0.1" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
      }),
    }),
  );
  assert.equal(init.status, 200);
  assert.ok(init.headers.get("mcp-session-id"), "a 2025 session beside the 2026 requests");
  await h.close();
});

test("an elicitation round trip at 2026-07-28 whose retry lands on another process completes; altered or foreign state is refused", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-mrtr-"));
  const db = join(dir, "shared.db");
  const a = await spawnServer([SERVER, "--port", "0", "--database", db], { cwd: dir });
  const b = await spawnServer([SERVER, "--port", "0", "--database", db], { cwd: dir });
  try {
    const tool = "test_input_required_result_elicitation";
    const first = await send(fetch, a.url, "tools/call", { name: tool, arguments: {}, _meta: envelope });
    const r1 = first.body.result!;
    assert.equal(r1.resultType, "input_required");
    assert.equal((r1.inputRequests as Record<string, { method: string }>).user_name?.method, "elicitation/create");
    const answer = { user_name: { action: "accept", content: { name: "Alice" } } };
    const retry = await send(fetch, b.url, "tools/call", {
      name: tool,
      arguments: {},
      inputResponses: answer,
      requestState: r1.requestState,
      _meta: envelope,
    });
    assert.equal(retry.body.result?.resultType, "complete", JSON.stringify(retry.body));
    assert.deepEqual(retry.body.result?.content, [{ type: "text", text: "Hello, Alice!" }]);

    const tampered = await send(fetch, b.url, "tools/call", {
      name: tool,
      arguments: {},
      inputResponses: answer,
      requestState: `${String(r1.requestState)}x`,
      _meta: envelope,
    });
    assert.equal(tampered.body.error?.code, -32602);
    assert.match(tampered.body.error!.message, /integrity/);
    const foreign = await send(fetch, b.url, "tools/call", {
      name: "test_input_required_result_tampered_state",
      arguments: {},
      inputResponses: answer,
      requestState: r1.requestState,
      _meta: envelope,
    });
    assert.match(foreign.body.error?.message ?? "", /belongs to another request/);

    // Two rounds: the first answer travels in the state, the second comes with the retry.
    const m1 = (await send(fetch, a.url, "tools/call", { name: "test_input_required_result_multi_round", arguments: {}, _meta: envelope }))
      .body.result!;
    const m2 = (
      await send(fetch, b.url, "tools/call", {
        name: "test_input_required_result_multi_round",
        arguments: {},
        inputResponses: answer,
        requestState: m1.requestState,
        _meta: envelope,
      })
    ).body.result!;
    assert.equal(m2.resultType, "input_required");
    assert.ok(m2.requestState !== m1.requestState);
    const m3 = (
      await send(fetch, a.url, "tools/call", {
        name: "test_input_required_result_multi_round",
        arguments: {},
        inputResponses: { user_city: { action: "accept", content: { city: "Paris" } } },
        requestState: m2.requestState,
        _meta: envelope,
      })
    ).body.result!;
    assert.deepEqual(m3.content, [{ type: "text", text: "name=Alice, city=Paris" }]);
  } finally {
    a.child.kill();
    b.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("x-mcp-header on the server: a header without its argument, or an argument without its header, is refused", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool(
    "route",
    { inputSchema: { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } } },
    (args) => `to ${String(args.region)}`,
  );
  const h = new StreamableHttpHandler(server);
  const url = "http://127.0.0.1/mcp";
  const call = (args: Record<string, unknown>, headers: Record<string, string | undefined>) =>
    send(h.fetch, url, "tools/call", { name: "route", arguments: args, _meta: envelope }, headers);
  assert.equal((await call({ region: "eu" }, { "mcp-param-region": "eu" })).status, 200);
  assert.equal((await call({ region: "eu" }, {})).body.error?.code, -32020);
  assert.equal((await call({ region: "eu" }, { "mcp-param-region": "us" })).body.error?.code, -32020);
  assert.equal((await call({}, { "mcp-param-region": "eu" })).body.error?.code, -32020);
  assert.equal((await call({ region: "eu" }, { "mcp-param-region": "=?base64?ZXU?=" })).body.error?.code, -32020, "bad padding");
  await h.close();
});

test("a 2026-07-28 client that goes away cancels its request (there is no session to tell): the handler's signal aborts", async () => {
  const { serveHttp } = await import("../../../src/transports/http/index.js");
  const server = new McpServer({ name: "s", version: "1" });
  let aborted = false;
  server.registerTool("slow", {}, async (_a, ctx) => {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      ctx.signal.addEventListener("abort", () => {
        aborted = true;
        clearTimeout(t);
        resolve();
      });
    });
    return "done";
  });
  const h = await serveHttp(server, { port: 0, sessionStore: "memory", eventStore: "memory" });
  try {
    const gone = new AbortController();
    const call = send((r) => fetch(r, { signal: gone.signal }), h.url, "tools/call", { name: "slow", _meta: envelope }).catch(() => "cut");
    setTimeout(() => gone.abort(), 150);
    assert.equal(await call, "cut");
    for (let i = 0; i < 50 && !aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(aborted, true);
  } finally {
    await h.close();
  }
});

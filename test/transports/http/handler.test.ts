import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../../src/server/index.js";
import { StreamableHttpHandler, type StreamableHttpOptions } from "../../../src/transports/http/index.js";
import { sleep } from "../../helpers.js";

const URL_ = "http://127.0.0.1:3000/mcp";
const ACCEPT = "application/json, text/event-stream";

function makeServer() {
  const s = new McpServer({ name: "h", version: "1" });
  s.registerTool("echo", { inputSchema: { type: "object", properties: { text: { type: "string" } } } }, (a) => String(a.text));
  s.registerTool("steps", {}, async (_a, ctx) => {
    for (let i = 1; i <= 6; i++) {
      ctx.progress(i, 6);
      if (i === 3) ctx.closeSSEStream();
      await sleep(15);
    }
    return "finished";
  });
  s.registerTool("slow", {}, (_a, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => r("x"))));
  return s;
}

function post(h: StreamableHttpHandler, body: unknown, headers: Record<string, string> = {}) {
  return h.fetch(
    new Request(URL_, {
      method: "POST",
      headers: { "content-type": "application/json", accept: ACCEPT, host: "127.0.0.1:3000", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

async function init(h: StreamableHttpHandler, version = "2025-11-25"): Promise<string> {
  const r = await post(h, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  assert.equal(r.status, 200);
  const sid = r.headers.get("mcp-session-id");
  assert.ok(sid && /^[\x21-\x7e]{32}$/.test(sid));
  await post(h, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sid });
  return sid;
}

function handler(options: StreamableHttpOptions = {}) {
  return new StreamableHttpHandler(makeServer(), options);
}

/** Parses SSE text into events. */
function parseSse(text: string): { id?: string; data: string; retry?: number }[] {
  return text
    .split("\n\n")
    .filter((b) => b.trim())
    .map((block) => {
      const e: { id?: string; data: string; retry?: number } = { data: "" };
      for (const line of block.split("\n")) {
        const [k, ...rest] = line.split(": ");
        const v = rest.join(": ");
        if (k === "id") e.id = v;
        else if (k === "data") e.data = v;
        else if (k === "retry") e.retry = Number(v);
        else if (line.startsWith("retry:")) e.retry = Number(line.slice(6));
      }
      return e;
    });
}

test("bad input gets the spec's status with a JSON-RPC error body", async () => {
  const h = handler({ maxBodyBytes: 1024 });
  const sid = await init(h);
  const cases: { name: string; res: () => Promise<Response>; status: number; message: RegExp }[] = [
    { name: "malformed JSON", res: () => post(h, "{nope", { "mcp-session-id": sid }), status: 400, message: /parse error/ },
    {
      name: "wrong jsonrpc",
      res: () => post(h, { jsonrpc: "1.0", id: 1, method: "ping" }, { "mcp-session-id": sid }),
      status: 400,
      message: /"jsonrpc" must be "2.0"/,
    },
    {
      name: "batch",
      res: () => post(h, [{ jsonrpc: "2.0", id: 1, method: "ping" }], { "mcp-session-id": sid }),
      status: 400,
      message: /batches are not supported/,
    },
    {
      name: "oversized body",
      res: () =>
        post(
          h,
          { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x".repeat(2000) } } },
          { "mcp-session-id": sid },
        ),
      status: 413,
      message: /at most 1024 bytes/,
    },
    {
      name: "missing session id",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }),
      status: 400,
      message: /missing Mcp-Session-Id/,
    },
    {
      name: "unknown session id",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": "f".repeat(32) }),
      status: 404,
      message: /session not found/,
    },
    {
      name: "foreign Origin",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid, origin: "https://evil.example" }),
      status: 403,
      message: /Origin "https:\/\/evil.example" is not allowed/,
    },
    {
      name: "rebinding Host",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid, host: "evil.example" }),
      status: 403,
      message: /Host "evil.example" is not allowed/,
    },
    {
      name: "unsupported protocol version",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid, "mcp-protocol-version": "1999-01-01" }),
      status: 400,
      message: /unsupported MCP-Protocol-Version/,
    },
    {
      name: "wrong content type",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid, "content-type": "text/plain" }),
      status: 415,
      message: /Content-Type must be application\/json/,
    },
    {
      name: "accept without SSE",
      res: () => post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid, accept: "application/json" }),
      status: 406,
      message: /must list both/,
    },
    {
      name: "PUT",
      res: () => h.fetch(new Request(URL_, { method: "PUT", headers: { host: "localhost" } })),
      status: 405,
      message: /method not allowed: PUT/,
    },
  ];
  for (const c of cases) {
    const r = await c.res();
    assert.equal(r.status, c.status, c.name);
    const body = await r.json();
    assert.equal(body.jsonrpc, "2.0", c.name);
    assert.match(body.error.message, c.message, c.name);
  }
  // The session survived all of that.
  const ok = await post(
    h,
    { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "echo", arguments: { text: "still here" } } },
    { "mcp-session-id": sid },
  );
  assert.deepEqual(await ok.json(), { jsonrpc: "2.0", id: 9, result: { content: [{ type: "text", text: "still here" }] } });
  await h.close();
});

test("wrong param types and unknown methods are JSON-RPC errors on a 200, other sessions unaffected", async () => {
  const h = handler();
  const a = await init(h);
  const b = await init(h);
  const r1 = await post(h, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: 5 } }, { "mcp-session-id": a });
  assert.equal((await r1.json()).error.code, -32602);
  const r2 = await post(h, { jsonrpc: "2.0", id: 2, method: "nope/nope" }, { "mcp-session-id": a });
  assert.equal((await r2.json()).error.code, -32601);
  const r3 = await post(
    h,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "b" } } },
    { "mcp-session-id": b },
  );
  assert.equal((await r3.json()).result.content[0].text, "b");
  await h.close();
});

test("Origin: loopback origins pass, configured ones pass, others get 403", async () => {
  const h = handler({ allowedOrigins: ["https://app.example.com", "localhost"] });
  const r = await post(
    h,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    },
    { origin: "https://app.example.com" },
  );
  assert.equal(r.status, 200);
  const r2 = await post(
    h,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    },
    { origin: "http://localhost:5173" },
  );
  assert.equal(r2.status, 200);
  const r3 = await post(
    h,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    },
    { origin: "https://app.example.com.evil.net" },
  );
  assert.equal(r3.status, 403);
  await h.close();
});

test("DELETE ends a session; later requests get 404", async () => {
  const h = handler();
  const sid = await init(h);
  const del = await h.fetch(new Request(URL_, { method: "DELETE", headers: { "mcp-session-id": sid, host: "localhost" } }));
  assert.equal(del.status, 200);
  assert.equal(h.sessionCount, 0);
  const r = await post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-session-id": sid });
  assert.equal(r.status, 404);
  await h.close();
});

test("SSE: priming event, server-closed stream (SEP-1699), resume with Last-Event-ID, each event exactly once", async () => {
  const h = handler({ retryMs: 50 });
  const sid = await init(h);
  const r = await post(
    h,
    { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "steps", _meta: { progressToken: "p" } } },
    { "mcp-session-id": sid },
  );
  assert.equal(r.headers.get("content-type"), "text/event-stream");
  const first = parseSse(await r.text()); // ends when the server closes it after progress 3
  assert.equal(first[0]!.data, "", "priming event has empty data");
  assert.equal(first[0]!.retry, 50);
  const withData = first.filter((e) => e.data);
  assert.deepEqual(
    withData.map((e) => JSON.parse(e.data).params.progress),
    [1, 2, 3],
  );
  const lastId = withData.at(-1)!.id!;
  await sleep(20);
  const resumed = await h.fetch(
    new Request(URL_, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": lastId, host: "localhost" },
    }),
  );
  assert.equal(resumed.status, 200);
  const rest = parseSse(await resumed.text()).filter((e) => e.data);
  const msgs = rest.map((e) => JSON.parse(e.data));
  assert.deepEqual(
    msgs.slice(0, -1).map((m) => m.params.progress),
    [4, 5, 6],
  );
  assert.deepEqual(msgs.at(-1), { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "finished" }] } });
  const ids = [...withData, ...rest].map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "event ids are unique");
  // The stream ended on a live connection: nothing is kept, and asking again says so.
  const again = await h.fetch(
    new Request(URL_, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": rest.at(-2)!.id!, host: "localhost" },
    }),
  );
  assert.equal(again.status, 404);
  await h.close();
});

test("SSE: a stream cut by the client mid-response resumes from where it was cut", async () => {
  const s = new McpServer({ name: "h", version: "1" });
  s.registerTool("drip", {}, async (_a, ctx) => {
    for (let i = 1; i <= 5; i++) {
      ctx.progress(i, 5);
      await sleep(20);
    }
    return "done";
  });
  const h = new StreamableHttpHandler(s);
  const sid = await init(h);
  const r = await post(
    h,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "drip", _meta: { progressToken: 1 } } },
    { "mcp-session-id": sid },
  );
  const reader = r.body!.getReader();
  let text = "";
  while (!text.includes('"progress":2')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  const got = parseSse(text).filter((e) => e.data);
  const resumed = await h.fetch(
    new Request(URL_, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": got.at(-1)!.id!, host: "localhost" },
    }),
  );
  const rest = parseSse(await resumed.text())
    .filter((e) => e.data)
    .map((e) => JSON.parse(e.data));
  const all = [...got.map((e) => JSON.parse(e.data)), ...rest];
  assert.deepEqual(
    all.filter((m) => m.method).map((m) => m.params.progress),
    [1, 2, 3, 4, 5],
  );
  assert.equal(all.at(-1).result.content[0].text, "done");
  await h.close();
});

test("SSE: a stream that ends while its client is away is kept in the event store for the client's return", async () => {
  const h = handler({ retryMs: 50 });
  const sid = await init(h);
  const r = await post(
    h,
    { jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "steps", _meta: { progressToken: "q" } } },
    { "mcp-session-id": sid },
  );
  const first = parseSse(await r.text()).filter((e) => e.data);
  await sleep(150); // the tool finishes while nobody listens
  const resumed = await h.fetch(
    new Request(URL_, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": first.at(-1)!.id!, host: "localhost" },
    }),
  );
  const rest = parseSse(await resumed.text()).map((e) => JSON.parse(e.data));
  assert.deepEqual(
    rest.slice(0, -1).map((m) => m.params.progress),
    [4, 5, 6],
  );
  assert.equal(rest.at(-1).id, 8);
  // Another session cannot read it.
  const other = await init(h);
  const stolen = await h.fetch(
    new Request(URL_, {
      method: "GET",
      headers: { accept: "text/event-stream", "mcp-session-id": other, "last-event-id": first.at(-1)!.id!, host: "localhost" },
    }),
  );
  assert.equal(stolen.status, 404);
  await h.close();
});

test("GET stream: one per session (409 for a second), receives server-initiated messages", async () => {
  const server = makeServer();
  const h = new StreamableHttpHandler(server);
  const sid = await init(h);
  const get = () =>
    h.fetch(new Request(URL_, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": sid, host: "localhost" } }));
  const g = await get();
  assert.equal(g.status, 200);
  assert.equal((await get()).status, 409);
  server.registerTool("late", {}, () => "");
  const reader = g.body!.getReader();
  let text = "";
  while (!text.includes("list_changed")) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /notifications\/tools\/list_changed/);
  await reader.cancel();
  await h.close();
});

test("cancelling a POSTed request ends its HTTP reply", async () => {
  const h = handler();
  const sid = await init(h);
  const pending = post(h, { jsonrpc: "2.0", id: "s", method: "tools/call", params: { name: "slow" } }, { "mcp-session-id": sid });
  await sleep(10);
  const c = await post(h, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "s" } }, { "mcp-session-id": sid });
  assert.equal(c.status, 202);
  assert.equal((await pending).status, 202);
  await h.close();
});

test("stateless mode: no session ids, GET and DELETE are 405, tools work without initialize", async () => {
  const h = handler({ stateless: true });
  const r = await post(h, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  assert.equal(r.headers.get("mcp-session-id"), null);
  assert.equal((await r.json()).result.protocolVersion, "2025-11-25");
  const call = await post(
    h,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } },
    { "mcp-protocol-version": "2025-11-25" },
  );
  assert.equal((await call.json()).result.content[0].text, "hi");
  assert.equal(
    (await h.fetch(new Request(URL_, { method: "GET", headers: { accept: "text/event-stream", host: "localhost" } }))).status,
    405,
  );
  assert.equal((await h.fetch(new Request(URL_, { method: "DELETE", headers: { host: "localhost" } }))).status, 405);
  await h.close();
});

test("sessions are bound to the principal that created them", async () => {
  const h = handler();
  const initBody = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  };
  const mk = (subject: string | undefined, body: unknown, sid?: string) =>
    h.handle({
      method: "POST",
      header: (n) =>
        ({ "content-type": "application/json", accept: ACCEPT, host: "localhost", ...(sid ? { "mcp-session-id": sid } : {}) })[n] ?? null,
      readBody: async () => JSON.stringify(body),
      authInfo: subject ? { token: "t", subject, scopes: [] } : undefined,
    });
  const r = await mk("alice", initBody);
  const sid = r.headers["mcp-session-id"]!;
  assert.equal((await mk("alice", { jsonrpc: "2.0", id: 1, method: "ping" }, sid)).status, 200);
  assert.equal((await mk("mallory", { jsonrpc: "2.0", id: 1, method: "ping" }, sid)).status, 404);
  assert.equal((await mk(undefined, { jsonrpc: "2.0", id: 1, method: "ping" }, sid)).status, 404);
  await h.close();
});

test("max sessions: initialize past the cap gets 503", async () => {
  const h = handler({ maxSessions: 2 });
  await init(h);
  await init(h);
  const r = await post(h, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  assert.equal(r.status, 503);
  await h.close();
});

test("older clients: no priming event for 2025-06-18 streams", async () => {
  const h = handler({ responseMode: "sse" });
  const sid = await init(h, "2025-06-18");
  const r = await post(
    h,
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } },
    { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
  );
  const events = parseSse(await r.text());
  assert.equal(events.length, 1);
  assert.equal(JSON.parse(events[0]!.data).id, 1);
  await h.close();
});

/**
 * Cluster routing and shared streams in one process: handlers on one MemoryClusterHub and one MemorySessionStore behave like nodes on
 * one Redis. The same paths run through haproxy and real processes in test/e2e/cluster.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../../src/server/index.js";
import { MemoryCluster, MemoryClusterHub, MemorySessionStore, StreamableHttpHandler } from "../../../src/transports/http/index.js";
import { sleep, waitFor } from "../../helpers.js";

const URL_ = "http://127.0.0.1:3000/mcp";

function makeServer() {
  const s = new McpServer({ name: "node", version: "1" });
  s.registerTool("ask", {}, async (_a, ctx) => {
    const r = await ctx.elicit({ message: "name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } });
    return `got ${JSON.stringify(r.content)}`;
  });
  s.registerTool("steps", {}, async (_a, ctx) => {
    for (let i = 1; i <= 4; i++) {
      ctx.progress(i, 4);
      if (i === 2) ctx.closeSSEStream();
      await sleep(20);
    }
    return "finished";
  });
  s.registerTool("hang", {}, async (_a, ctx) => {
    ctx.progress(1, 2);
    await new Promise((r) => ctx.signal.addEventListener("abort", r));
    return "x";
  });
  return s;
}

function nodes(n: number) {
  const hub = new MemoryClusterHub();
  const sessionStore = new MemorySessionStore();
  const servers = Array.from({ length: n }, makeServer);
  const handlers = servers.map((s) => new StreamableHttpHandler(s, { cluster: new MemoryCluster(hub), sessionStore }));
  return { hub, servers, handlers, close: () => Promise.all(handlers.map((h) => h.close())) };
}

const headers = (sid?: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  host: "127.0.0.1:3000",
  "mcp-protocol-version": "2025-11-25",
  ...(sid ? { "mcp-session-id": sid } : {}),
  ...extra,
});
const post = (h: StreamableHttpHandler, body: unknown, sid?: string) =>
  h.fetch(new Request(URL_, { method: "POST", headers: headers(sid), body: JSON.stringify(body) }));
const get = (h: StreamableHttpHandler, sid: string, lastEventId?: string) =>
  h.fetch(new Request(URL_, { headers: headers(sid, lastEventId ? { "last-event-id": lastEventId } : {}) }));

async function open(h: StreamableHttpHandler, capabilities: Record<string, unknown> = {}): Promise<string> {
  const r = await post(h, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities, clientInfo: { name: "t", version: "1" } },
  });
  assert.equal(r.status, 200);
  return r.headers.get("mcp-session-id")!;
}

/** Reads SSE events from a response as they come. */
function events(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const queue: { id?: string; data: string }[] = [];
  let done = false;
  return async function next(): Promise<{ id?: string; data: string } | undefined> {
    for (;;) {
      const e = queue.shift();
      if (e) return e;
      if (done) return undefined;
      const c = await reader.read();
      if (c.done) done = true;
      else buf += c.value;
      let cut = buf.indexOf("\n\n");
      while (cut !== -1) {
        const ev: { id?: string; data: string } = { data: "" };
        for (const line of buf.slice(0, cut).split("\n")) {
          if (line.startsWith("id: ")) ev.id = line.slice(4);
          if (line.startsWith("data: ")) ev.data = line.slice(6);
        }
        buf = buf.slice(cut + 2);
        if (ev.data) queue.push(ev);
        cut = buf.indexOf("\n\n");
      }
    }
  };
}

test("a session opened on one node is served by another, with its initialized notification on a third", async () => {
  const c = nodes(3);
  try {
    const sid = await open(c.handlers[0]!);
    assert.equal((await post(c.handlers[1]!, { jsonrpc: "2.0", method: "notifications/initialized" }, sid)).status, 202);
    const r = await post(c.handlers[2]!, { jsonrpc: "2.0", id: 1, method: "tools/list" }, sid);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).result.tools.length, 3);
  } finally {
    await c.close();
  }
});

test("the answer to an elicitation that lands on another node reaches the waiting handler", async () => {
  const c = nodes(2);
  try {
    const sid = await open(c.handlers[0]!, { elicitation: {} });
    const res = await post(c.handlers[0]!, { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "ask", arguments: {} } }, sid);
    const next = events(res);
    const ask = JSON.parse((await next())!.data);
    assert.equal(ask.method, "elicitation/create");
    assert.match(String(ask.id), /^[0-9a-f]{12}\.\d+$/, "the request id names the node that asked");
    const answer = await post(c.handlers[1]!, { jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { name: "ada" } } }, sid);
    assert.equal(answer.status, 202);
    const done = JSON.parse((await next())!.data);
    assert.equal(done.id, 5);
    assert.match(done.result.content[0].text, /ada/);
  } finally {
    await c.close();
  }
});

test("a stream closed for polling on one node is resumed on another: the missed events, then the rest live", async () => {
  const c = nodes(2);
  try {
    const sid = await open(c.handlers[0]!);
    const res = await post(
      c.handlers[0]!,
      { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "steps", arguments: {}, _meta: { progressToken: "p" } } },
      sid,
    );
    const first = events(res);
    const seen: string[] = [];
    let lastId = "";
    for (let e = await first(); e; e = await first()) {
      seen.push(e.data);
      lastId = e.id!;
    }
    assert.equal(seen.length, 2, "two progress events before the stream closed");
    const resumed = events(await get(c.handlers[1]!, sid, lastId));
    const rest: any[] = [];
    for (let e = await resumed(); e; e = await resumed()) rest.push(JSON.parse(e.data));
    assert.deepEqual(
      rest.map((m) => m.params?.progress ?? m.result?.content[0].text),
      [3, 4, "finished"],
    );
  } finally {
    await c.close();
  }
});

test("a stream whose node died ends, on resumption elsewhere, with an error for its request", async () => {
  const c = nodes(2);
  try {
    const sid = await open(c.handlers[0]!);
    const res = await post(
      c.handlers[0]!,
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "hang", arguments: {}, _meta: { progressToken: "h" } } },
      sid,
    );
    const next = events(res);
    const progress = (await next())!;
    await c.handlers[0]!.close();
    const resumed = events(await get(c.handlers[1]!, sid, progress.id));
    const last = JSON.parse((await resumed())!.data);
    assert.equal(last.id, 3);
    assert.match(last.error.message, /node handling this request (stopped|before it answered)/);
    assert.equal(await resumed(), undefined);
  } finally {
    await c.close();
  }
});

test("server-wide notices reach a session's GET stream once, however many nodes hold the session", async () => {
  const c = nodes(3);
  try {
    const sid = await open(c.handlers[0]!);
    for (const h of c.handlers) assert.equal((await post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, sid)).status, 200);
    const stream = events(await get(c.handlers[2]!, sid));
    c.servers[1]!.log("info", "from node 2");
    c.servers[0]!.notifyResourceUpdated("test://nothing-subscribed");
    const got = JSON.parse((await stream())!.data);
    assert.equal(got.method, "notifications/message");
    assert.equal(got.params.data, "from node 2");
    const more = await Promise.race([stream(), sleep(300).then(() => "none")]);
    assert.equal(more, "none", "each node holds a copy of the session, yet the client hears the notice once");
  } finally {
    await c.close();
  }
});

test("a node answers 503 with a clear body while the cluster's backend is unreachable, and serves again after", async () => {
  const c = nodes(1);
  try {
    const sid = await open(c.handlers[0]!);
    c.hub.available = false;
    const r = await post(c.handlers[0]!, { jsonrpc: "2.0", id: 1, method: "ping" }, sid);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "2");
    assert.match((await r.json()).error.message, /cannot reach the cluster's shared state/);
    c.hub.available = true;
    await waitFor(async () => true);
    assert.equal((await post(c.handlers[0]!, { jsonrpc: "2.0", id: 2, method: "ping" }, sid)).status, 200);
  } finally {
    await c.close();
  }
});

test("a cluster without a shared session store is refused at construction, naming the fix", () => {
  assert.throws(
    () => new StreamableHttpHandler(makeServer(), { cluster: new MemoryCluster(new MemoryClusterHub()) }),
    /needs a sessionStore every node shares/,
  );
});

test("Last-Event-ID out of range, or naming another session's stream, is 404 on any node", async () => {
  const c = nodes(2);
  try {
    const a = await open(c.handlers[0]!);
    const b = await open(c.handlers[0]!);
    const res = await post(
      c.handlers[0]!,
      { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "steps", arguments: {}, _meta: { progressToken: "p" } } },
      a,
    );
    const first = events(res);
    const e = (await first())!;
    for (let x = await first(); x; x = await first()) {}
    assert.equal((await get(c.handlers[1]!, b, e.id)).status, 404, "another session's stream");
    const streamId = e.id!.slice(0, e.id!.lastIndexOf("_"));
    assert.equal((await get(c.handlers[1]!, a, `${streamId}_1e21`)).status, 404, "a number past the safe range");
    assert.equal((await get(c.handlers[1]!, a, `${streamId}_-1`)).status, 404);
  } finally {
    await c.close();
  }
});

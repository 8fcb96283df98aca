/**
 * The limits a public server needs (issue 10): sessions expire across restarts and are swept (#6), one client
 * cannot take every session (#9), slow and oversized requests do not hold sockets (#10), and a new session does
 * not buy a fresh task rate-limit bucket (#11).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "../../../src/server/index.js";
import { serveHttp, StreamableHttpHandler, type StreamableHttpOptions } from "../../../src/transports/http/index.js";
import { SqliteSessionStore } from "../../../src/stores/sqlite/index.js";
import { sleep, waitFor } from "../../helpers.js";

const URL_ = "http://127.0.0.1:3000/mcp";
const INIT = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

function server() {
  const s = new McpServer({ name: "limits", version: "1" }, { tasks: { rateLimit: { perSecond: 0.001, burst: 3 } } });
  s.registerTool("job", { execution: { taskSupport: "optional" } }, () => "done");
  return s;
}

function post(h: StreamableHttpHandler, body: unknown, sid?: string, remoteAddress = "10.0.0.1") {
  return h.fetch(
    new Request(URL_, {
      method: "POST",
      headers: {
        host: "127.0.0.1:3000",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(sid ? { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" } : {}),
      },
      body: JSON.stringify(body),
    }),
    { remoteAddress },
  );
}

async function open(h: StreamableHttpHandler, remoteAddress = "10.0.0.1", confirm = true): Promise<string> {
  const r = await post(h, INIT, undefined, remoteAddress);
  assert.equal(r.status, 200, await r.clone().text());
  const sid = r.headers.get("mcp-session-id")!;
  if (confirm) assert.equal((await post(h, { jsonrpc: "2.0", method: "notifications/initialized" }, sid, remoteAddress)).status, 202);
  return sid;
}

const ping = async (h: StreamableHttpHandler, sid: string, remoteAddress = "10.0.0.1") =>
  (await post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, sid, remoteAddress)).status;

test("attack #6: after a restart, a recorded session idle past the timeout is 404 and its row is swept; a recent one still works", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-sessions-"));
  const file = join(dir, "s.db");
  const opts = (store: SqliteSessionStore): StreamableHttpOptions => ({ sessionStore: store, sessionIdleTimeoutMs: 400 });
  let store = new SqliteSessionStore({ filename: file });
  let h = new StreamableHttpHandler(server(), opts(store));
  const stale = await open(h);
  const swept = await open(h);
  await h.close();
  store.close();
  await sleep(700); // both idle past 400 ms while no process held them
  store = new SqliteSessionStore({ filename: file });
  h = new StreamableHttpHandler(server(), opts(store));
  const fresh = await open(h);
  assert.equal(await ping(h, stale), 404, "expired across the restart");
  assert.equal(store.load(stale), undefined, "and forgotten");
  assert.equal(await ping(h, fresh), 200);
  // The other stale row is never asked for: the sweep removes it anyway, so rows do not pile up across restarts.
  await waitFor(() => store.load(swept) === undefined, 3000);
  assert.equal(await ping(h, fresh), 200, "a session in use is kept");
  await h.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("attack #6: a session whose client never sends notifications/initialized (nor any request) ends within the initialize timeout and is never recorded", async () => {
  const store = new SqliteSessionStore({ filename: ":memory:" });
  const h = new StreamableHttpHandler(server(), { sessionStore: store, initializeTimeoutMs: 200 });
  const stray = await open(h, "10.0.0.1", false);
  const real = await open(h, "10.0.0.1", true);
  assert.equal(store.load(stray), undefined, "not recorded before it is confirmed");
  assert.ok(store.load(real));
  await sleep(600);
  assert.equal(await ping(h, stray), 404);
  assert.equal(await ping(h, real), 200);
  assert.equal(h.sessionCount, 1);
  await h.close();
  store.close();
});

test("attack #9: one client cannot take every session: past maxSessionsPerClient initialize gets 429 with a body; other clients are unaffected", async () => {
  const h = new StreamableHttpHandler(server(), { maxSessionsPerClient: 3 });
  const mine = [await open(h), await open(h), await open(h)];
  const refused = await post(h, INIT);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "30");
  const body = await refused.json();
  assert.equal(body.id, 0);
  assert.match(body.error.message, /too many sessions: this client already holds 3/);
  assert.ok(await open(h, "10.0.0.2"), "another address still gets one");
  // Ending one frees a place.
  const del = await h.fetch(new Request(URL_, { method: "DELETE", headers: { host: "127.0.0.1:3000", "mcp-session-id": mine[0]! } }), {
    remoteAddress: "10.0.0.1",
  });
  assert.equal(del.status, 200);
  assert.ok(await open(h));
  await h.close();
});

test("attack #9 over a socket: the cap counts the peer's real address", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", maxSessionsPerClient: 2 });
  const init = () =>
    fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(INIT),
    });
  assert.equal((await init()).status, 200);
  assert.equal((await init()).status, 200);
  assert.equal((await init()).status, 429);
  await http.close();
});

test("attack #11: without auth, task operations are limited per client address, so a new session buys no fresh budget", async () => {
  const h = new StreamableHttpHandler(server());
  const call = (sid: string, addr = "10.0.0.1") =>
    post(h, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "job", task: {} } }, sid, addr).then((r) => r.json());
  const first = await open(h);
  for (let i = 0; i < 3; i++) assert.ok((await call(first)).result.task.taskId, `call ${i}`);
  assert.equal((await call(first)).error.code, -32013);
  const second = await open(h);
  const r = await call(second);
  assert.equal(r.error?.code, -32013, "the address's bucket is empty too");
  assert.match(r.error.message, /too many task operations/);
  assert.ok((await call(await open(h, "10.0.0.2"), "10.0.0.2")).result.task.taskId, "another client is unaffected");
  await h.close();
});

/** Opens a raw connection to the server and resolves when it is closed by the server (with the time it took). */
function rawSocket(port: number): { socket: Socket; closed: Promise<{ ms: number; data: string }> } {
  const started = Date.now();
  const socket = connect(port, "127.0.0.1");
  let data = "";
  socket.on("data", (c) => (data += c));
  socket.on("error", () => {});
  const closed = new Promise<{ ms: number; data: string }>((resolve) =>
    socket.on("close", () => resolve({ ms: Date.now() - started, data })),
  );
  return { socket, closed };
}

test("attack #10: a client trickling its headers is cut off at headersTimeoutMs, not held for minutes", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", headersTimeoutMs: 500 });
  const { socket, closed } = rawSocket(http.port);
  const request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  let i = 0;
  const drip = setInterval(() => socket.writable && socket.write(request[i++ % request.length]!), 100);
  const { ms } = await closed;
  clearInterval(drip);
  assert.ok(ms < 3000, `closed after ${ms} ms`);
  await http.close();
});

test("attack #10: a body trickled byte by byte is cut off at requestTimeoutMs", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", headersTimeoutMs: 300, requestTimeoutMs: 600 });
  const { socket, closed } = rawSocket(http.port);
  socket.write(
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n`,
  );
  const drip = setInterval(() => socket.writable && socket.write("x"), 100);
  const { ms, data } = await closed;
  clearInterval(drip);
  assert.ok(ms < 3000, `closed after ${ms} ms`);
  assert.match(data, /^HTTP\/1.1 408/);
  await http.close();
});

test("attack #10: an oversized body gets 413 and the connection is closed instead of read to the end", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", maxBodyBytes: 1024 });
  for (const declared of [true, false]) {
    const { socket, closed } = rawSocket(http.port);
    const head = declared ? "Content-Length: 52428800\r\n" : "Transfer-Encoding: chunked\r\n";
    socket.write(
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${head}\r\n`,
    );
    // Keep sending, as a client with 50 MB to upload would; the server must not wait for it all.
    const chunk = "x".repeat(64 * 1024);
    const pump = setInterval(() => socket.writable && socket.write(declared ? chunk : `${chunk.length.toString(16)}\r\n${chunk}\r\n`), 5);
    const { ms, data } = await closed;
    clearInterval(pump);
    assert.match(data, /^HTTP\/1.1 413/, declared ? "declared length" : "chunked");
    assert.match(data, /connection: close/i);
    assert.match(data, /payload too large/);
    assert.ok(ms < 3000, `closed after ${ms} ms`);
  }
  await http.close();
});

test("attack #10: maxConnections caps open sockets", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", maxConnections: 2 });
  const a = rawSocket(http.port);
  const b = rawSocket(http.port);
  await sleep(100);
  const c = rawSocket(http.port);
  const { ms } = await c.closed;
  assert.ok(ms < 1000, "the third is dropped at once");
  a.socket.destroy();
  b.socket.destroy();
  await http.close();
});

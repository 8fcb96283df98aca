/**
 * serveHttp, the Node adapter (node.ts): the peer's real address reaches the per-client limits, and slow or
 * oversized requests do not hold sockets (attack #10).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { McpServer } from "../../../src/server/index.js";
import { serveHttp } from "../../../src/transports/http/index.js";
import { INITIALIZE } from "../../fixtures/http-requests.js";
import { sleep } from "../../helpers.js";

function server() {
  const s = new McpServer({ name: "node", version: "1" });
  s.registerTool("echo", {}, () => "echo");
  return s;
}

test("attack #9 over a socket: the cap counts the peer's real address", async () => {
  const http = await serveHttp(server(), { eventStore: "memory", sessionStore: "memory", maxSessionsPerClient: 2 });
  const init = () =>
    fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(INITIALIZE),
    });
  assert.equal((await init()).status, 200);
  assert.equal((await init()).status, 200);
  assert.equal((await init()).status, 429);
  await http.close();
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
  // The server holds both before the third arrives (accepted, not only queued by the kernel).
  const held = () => new Promise<number>((r) => http.httpServer.getConnections((_e, count) => r(count)));
  for (const end = Date.now() + 10_000; (await held()) < 2; await sleep(10)) assert.ok(Date.now() < end, "the server took both");
  const c = rawSocket(http.port);
  const { ms } = await c.closed;
  assert.ok(ms < 1000, "the third is dropped at once");
  a.socket.destroy();
  b.socket.destroy();
  await http.close();
});

/**
 * linger.ts: a 413 reaches a client that is still sending — one that reads only after sending all of its 64 MB, and
 * undici's fetch — on the MCP endpoint (serveHttp) and on the web-standard routes (serveWeb); and the lingering is
 * bounded: a client that sends past the byte limit, or stops sending, is cut off.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { lingerAfter } from "../../src/internal/linger.js";
import { serveWeb } from "../../src/internal/node-web.js";
import { McpServer } from "../../src/server/index.js";
import { serveHttp } from "../../src/transports/http/index.js";

const MB = 1024 * 1024;
const closers: (() => unknown)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

/**
 * A client that sends `total` bytes of body (paced, so that the upload outlasts any short grace) and reads nothing
 * until it has sent them all, then reads the answer. Resolves with the status line's code, or the socket error.
 */
function patientUpload(
  port: number,
  path: string,
  total: number,
  options: { stopAfter?: number; paceMs?: number } = {},
): Promise<{ status?: string; error?: string; sent: number }> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let received = "";
    let error: string | undefined;
    let sent = 0;
    s.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code));
    s.on("close", () => resolve({ status: /^HTTP\/1\.1 (\d+)/.exec(received)?.[1], error, sent }));
    s.on("connect", async () => {
      s.pause();
      s.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${total}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(MB, 0x61);
      while (sent < total && !error && !s.destroyed) {
        if (options.stopAfter !== undefined && sent >= options.stopAfter) break; // stalls: sends nothing more
        const ok = s.write(chunk);
        sent += chunk.length;
        if (!ok) await new Promise((r) => s.once("drain", r));
        await new Promise((r) => setTimeout(r, options.paceMs ?? 20));
      }
      s.on("data", (d) => (received += d));
      s.resume();
    });
  });
}

test("a client that reads only after sending its whole 64 MB body reads the 413 (MCP endpoint and web routes)", {
  timeout: 120_000,
}, async () => {
  const h = await serveHttp(new McpServer({ name: "s", version: "1" }), { port: 0 });
  closers.push(() => h.close());
  const web = await listen(createServer((req, res) => void serveWeb(req, res, "http://127.0.0.1", () => new Response("ok"), 64 * 1024)));
  const mcp = new URL(h.url);
  for (const [port, path] of [
    [Number(mcp.port), mcp.pathname],
    [web, "/token"],
  ] as const) {
    const got = await patientUpload(port, path, 64 * MB);
    assert.equal(got.status, "413", `${path}: ${JSON.stringify(got)}`);
    assert.equal(got.error, undefined, "no reset while it sent");
  }
});

test("an upload that goes on steadily for longer than the idle limit still gets its 413 (one refused by its Content-Length, never read)", {
  timeout: 120_000,
}, async () => {
  const h = await serveHttp(new McpServer({ name: "s", version: "1" }), { port: 0 });
  closers.push(() => h.close());
  const mcp = new URL(h.url);
  // 12 MiB at one MiB every 250 ms: 3 s, past the 2 s idle limit, with never more than 250 ms between chunks.
  const got = await patientUpload(Number(mcp.port), mcp.pathname, 12 * MB, { paceMs: 250 });
  assert.equal(got.status, "413", JSON.stringify(got));
});

test("undici's fetch sending 64 MB always reads the 413 body", { timeout: 120_000 }, async () => {
  const h = await serveHttp(new McpServer({ name: "s", version: "1" }), { port: 0 });
  closers.push(() => h.close());
  const body = Buffer.alloc(64 * MB, 0x61);
  for (let i = 0; i < 5; i++) {
    const r = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body,
    });
    assert.equal(r.status, 413);
    assert.match(await r.text(), /too large|exceeds/i);
  }
});

test("the lingering is bounded: past the byte limit, or when the client stops sending, the connection is cut", {
  timeout: 60_000,
}, async () => {
  const port = await listen(
    createServer((_req, res) => {
      lingerAfter(res, { maxBytes: 4 * MB, idleMs: 300, maxMs: 20_000 });
      res.writeHead(413, { connection: "close", "content-length": "3" }).end("big");
    }),
  );
  const flood = await patientUpload(port, "/", 64 * MB);
  assert.ok(flood.error !== undefined || flood.status === undefined, `cut off: ${JSON.stringify(flood)}`);
  assert.ok(flood.sent < 64 * MB, "long before the client sent it all");
  const started = Date.now();
  const stall = await patientUpload(port, "/", 64 * MB, { stopAfter: MB });
  assert.equal(stall.sent, MB);
  assert.ok(Date.now() - started < 15_000, "an idle client is not held until the overall limit");
});

/** Client fault tests: a dying server, a cut SSE stream, garbage on a server's stdout. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";
import { McpServer } from "../../src/server/index.js";
import { serveHttp } from "../../src/transports/http/index.js";
import { TrellisError } from "../../src/protocol/errors.js";
import { sleep, waitFor } from "../helpers.js";

const misbehaving = fileURLToPath(new URL("../fixtures/misbehaving-server.js", import.meta.url));

test("the server process dies mid-request: the caller gets an error, not a hang", async () => {
  const errors: Error[] = [];
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25", onerror: (e) => errors.push(e) });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [misbehaving] }));
  const started = Date.now();
  await assert.rejects(client.callTool("die"), (e: unknown) => e instanceof TrellisError && e.code === "CONNECTION_CLOSED");
  assert.ok(Date.now() - started < 5000);
  assert.ok(
    errors.some((e) => /server process exited \(code 3\)/.test(e.message)),
    errors.map((e) => e.message).join("; "),
  );
  await assert.rejects(client.ping(), (e: unknown) => e instanceof TrellisError && e.code === "NOT_CONNECTED");
});

test("garbage on a server's stdout is reported and the session survives; stderr goes to its callback", async () => {
  const errors: Error[] = [];
  const stderr: string[] = [];
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25", onerror: (e) => errors.push(e) });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [misbehaving], onstderr: (l) => stderr.push(l) }));
  assert.equal(((await client.callTool("garbage")).content[0] as { text: string }).text, "still fine");
  await waitFor(() => errors.length > 0 && stderr.length > 0);
  assert.match(errors[0]!.message, /server wrote a line that is not JSON-RPC/);
  assert.deepEqual(stderr, ["a line on stderr"]);
  assert.deepEqual(await client.ping(), {});
  await client.close();
});

test("stdio shutdown: close ends the server process", async () => {
  const t = new StdioClientTransport({ command: process.execPath, args: [misbehaving], shutdownGraceMs: 500 });
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(t);
  const pid = t.pid!;
  await client.close();
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test("an SSE stream cut mid-response: the client resumes with Last-Event-ID and sees every event exactly once", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("drip", {}, async (_a, ctx) => {
    for (let i = 1; i <= 6; i++) {
      ctx.progress(i, 6);
      if (i === 2 || i === 4) ctx.closeSSEStream(); // the server cuts the stream twice (SEP-1699 polling)
      await sleep(20);
    }
    return "dripped";
  });
  const http = await serveHttp(server, { eventStore: "memory", retryMs: 30 });
  // A proxy-like fetch that also cuts the first response body after its first chunk, as a flaky network would.
  let cut = false;
  const flaky: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (cut || init?.method !== "POST" || !(res.headers.get("content-type") ?? "").includes("event-stream")) return res;
    cut = true;
    const reader = res.body!.getReader();
    const first = await reader.read();
    void reader.cancel();
    return new Response(new ReadableStream({ start: (c) => (first.value && c.enqueue(first.value), c.close()) }), {
      status: res.status,
      headers: res.headers,
    });
  };
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(new StreamableHttpClientTransport(http.url, { fetch: flaky, reconnect: { initialDelayMs: 20 } }));
  const seen: number[] = [];
  const r = await client.callTool("drip", {}, { onprogress: (p) => seen.push(p.progress) });
  assert.equal((r.content[0] as { text: string }).text, "dripped");
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.ok(cut);
  await client.close();
  await http.close();
});

test("HTTP: the server going away fails the request quickly with a clear error", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("hang", {}, () => new Promise(() => {}));
  const http = await serveHttp(server, { eventStore: "memory" });
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(new StreamableHttpClientTransport(http.url, { reconnect: { maxRetries: 1, initialDelayMs: 10 } }));
  const p = client.callTool("hang", {}, { timeoutMs: 10_000 });
  await sleep(20);
  await http.close();
  await assert.rejects(p);
  await client.close();
});

test("HTTP client: custom headers (static or computed) on every request, session id and protocol version after initialize", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("t", {}, () => "ok");
  const http = await serveHttp(server, { eventStore: "memory" });
  const seen: Headers[] = [];
  const recording: typeof fetch = (input, init) => {
    seen.push(new Headers(init?.headers));
    return fetch(input, init);
  };
  let n = 0;
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(
    new StreamableHttpClientTransport(http.url, {
      fetch: recording,
      headers: () => ({ "x-request-number": String(++n), authorization: "Bearer test" }),
    }),
  );
  await client.callTool("t");
  await client.close();
  await http.close();
  assert.ok(seen.length >= 3);
  assert.ok(seen.every((h) => h.get("authorization") === "Bearer test" && h.get("x-request-number")));
  const posts = seen.filter((h) => h.get("content-type") === "application/json");
  assert.equal(posts[0]!.get("mcp-session-id"), null, "initialize goes without a session id");
  assert.ok(
    posts.slice(1).every((h) => /^[0-9a-f]{32}$/.test(h.get("mcp-session-id") ?? "") && h.get("mcp-protocol-version") === "2025-11-25"),
  );
});

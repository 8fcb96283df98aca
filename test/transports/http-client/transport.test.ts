/**
 * The Streamable HTTP client transport against a scripted server (a fetch stub): the session id and protocol
 * version it carries, fast failure on errors and expired sessions, the auth hook's resend cap, DELETE on close.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamableHttpClientTransport } from "../../../src/transports/http-client/transport.js";
import type { HttpClientAuth } from "../../../src/transports/http-client/auth.js";
import { waitFor } from "../../helpers.js";

type Handler = (req: { method: string; headers: Headers; body: any }) => Response;

function script(handler: Handler) {
  const seen: { method: string; headers: Headers; body: any }[] = [];
  const fetchFn: typeof fetch = async (_url, init) => {
    const req = {
      method: init!.method!,
      headers: new Headers(init!.headers),
      body: init!.body ? JSON.parse(String(init!.body)) : undefined,
    };
    seen.push(req);
    return handler(req);
  };
  return { seen, fetchFn };
}

function start(t: StreamableHttpClientTransport) {
  const got: any[] = [];
  const errors: Error[] = [];
  let closed = 0;
  t.start({ message: (m) => void got.push(m), parseError: () => {}, close: () => void closed++, error: (e) => void errors.push(e) });
  return { got, errors, closes: () => closed };
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json", ...headers } });

test("keeps the session id from initialize, sends MCP-Protocol-Version after it, and DELETEs the session on close", async () => {
  const s = script((req) => {
    if (req.method === "DELETE") return new Response(null, { status: 200 });
    if (req.method === "GET") return new Response(null, { status: 405 });
    if (req.body.method === "initialize")
      return json(
        {
          jsonrpc: "2.0",
          id: req.body.id,
          result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "s", version: "1" } },
        },
        { "mcp-session-id": "abc" },
      );
    if (!("id" in req.body)) return new Response(null, { status: 202 });
    return json({ jsonrpc: "2.0", id: req.body.id, result: {} });
  });
  const t = new StreamableHttpClientTransport("http://127.0.0.1:1/mcp", { fetch: s.fetchFn });
  const r = start(t);
  t.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  await waitFor(() => r.got.length === 1);
  assert.equal(t.sessionId, "abc");
  assert.equal(t.protocolVersion, "2025-06-18");
  t.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  t.send({ jsonrpc: "2.0", id: 1, method: "ping" });
  await waitFor(() => r.got.length === 2);
  const ping = s.seen.find((q) => q.body?.method === "ping")!;
  assert.equal(ping.headers.get("mcp-session-id"), "abc");
  assert.equal(ping.headers.get("mcp-protocol-version"), "2025-06-18");
  assert.equal(ping.headers.get("accept"), "application/json, text/event-stream");
  await waitFor(() => s.seen.some((q) => q.method === "GET"), 1000);
  await t.close();
  assert.equal(s.seen.at(-1)!.method, "DELETE");
  assert.equal(s.seen.at(-1)!.headers.get("mcp-session-id"), "abc");
  assert.equal(r.closes(), 1);
});

test("a request whose POST fails, or whose session expired (404), fails at once with a clear error", async () => {
  let mode: "500" | "404" | "throw" = "500";
  const s = script(() => {
    if (mode === "throw") throw new TypeError("fetch failed");
    if (mode === "404") return new Response("{}", { status: 404 });
    return new Response(JSON.stringify({ error: { message: "kaput" } }), { status: 500, headers: { "content-type": "application/json" } });
  });

  const t = new StreamableHttpClientTransport("http://127.0.0.1:1/mcp", { fetch: s.fetchFn, sessionId: "old" });
  const r = start(t);
  t.send({ jsonrpc: "2.0", id: 1, method: "ping" });
  mode = "500";
  await waitFor(() => r.got.length === 1);
  assert.match(r.got[0].error.message, /HTTP 500: kaput/);
  mode = "404";
  t.send({ jsonrpc: "2.0", id: 2, method: "ping" });
  await waitFor(() => r.got.length === 2);
  assert.match(r.got[1].error.message, /session expired \(HTTP 404\)/);
  assert.equal(t.sessionId, undefined, "the dead session id is dropped");
  mode = "throw";
  t.send({ jsonrpc: "2.0", id: 3, method: "ping" });
  await waitFor(() => r.got.length === 3);
  assert.match(r.got[2].error.message, /POST http:\/\/127\.0\.0\.1:1\/mcp failed: fetch failed/);
  await t.close();
});

test("the auth hook: headers on every request; a 401 resent while the hook says so, at most 4 times", async () => {
  let challenges = 0;
  const auth: HttpClientAuth = {
    headers: async () => ({ authorization: `Bearer t${challenges}` }),
    challenge: async () => (challenges++, true),
  };
  const s = script(() => new Response("{}", { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } }));
  const t = new StreamableHttpClientTransport("http://127.0.0.1:1/mcp", { fetch: s.fetchFn, auth });
  const r = start(t);
  t.send({ jsonrpc: "2.0", id: 1, method: "ping" });
  await waitFor(() => r.got.length === 1);
  assert.equal(challenges, 4, "not a loop");
  assert.deepEqual(
    s.seen.map((q) => q.headers.get("authorization")),
    ["Bearer t0", "Bearer t1", "Bearer t2", "Bearer t3", "Bearer t4"],
  );
  assert.equal(r.got[0].error.data.httpStatus, 401);
  assert.match(r.got[0].error.message, /WWW-Authenticate: Bearer error="invalid_token"/);
  await t.close();
});

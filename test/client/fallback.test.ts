/**
 * When "auto" falls back from server/discover to initialize: by what the server's answer means. A table of answers
 * (as the transports hand them to the client) and, over real HTTP, servers that refuse discover the ways servers in
 * the wild do: each refusal that says "older revision" ends in a 2025-11-25 session, each that says "sign in", "slow
 * down" or "broken" fails connect with that error and sends no initialize.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { olderServer } from "../../src/client/fallback.js";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { ProtocolError, TrellisError } from "../../src/protocol/errors.js";

test("olderServer: refusals the server sends fall back; authorization, rate limits, failures and local errors do not", () => {
  const cases: [string, Error, boolean][] = [
    ["method not found", new ProtocolError(-32601, "Method not found"), true],
    ["not initialized (-32600)", new ProtocolError(-32600, "Server not initialized"), true],
    ["invalid params", new ProtocolError(-32602, "bad params"), true],
    ["-32022 with no shared revision", new ProtocolError(-32022, "unsupported", { supported: ["2025-11-25"] }), true],
    [
      "fastmcp 4.x: HTTP 400, -32000 with a reason",
      new ProtocolError(-32000, "Unsupported protocol version", { reason: "server_missing_modern_protocol_support", httpStatus: 400 }),
      true,
    ],
    ["SDK 1.x: HTTP 400, -32000", new ProtocolError(-32000, "Bad Request: Server not initialized", { httpStatus: 400 }), true],
    ["-32000 over stdio", new ProtocolError(-32000, "not initialized"), true],
    ["HTTP 404 without JSON-RPC", new ProtocolError(-32000, "HTTP 404: Not Found", { httpStatus: 404, local: true }), true],
    ["HTTP 405 without JSON-RPC", new ProtocolError(-32000, "HTTP 405", { httpStatus: 405, local: true }), true],
    ["HTTP 501 without JSON-RPC", new ProtocolError(-32000, "HTTP 501", { httpStatus: 501, local: true }), true],
    ["no answer in time (stdio)", new TrellisError("REQUEST_TIMEOUT", "timed out"), true],
    ["an answer that is not a discover result", new TrellisError("INVALID_MESSAGE", "no supportedVersions"), true],
    ["HTTP 401 with a JSON-RPC error", new ProtocolError(-32011, "sign in", { httpStatus: 401, authorization: true }), false],
    ["a failed sign-in", new ProtocolError(-32000, "authorization failed", { httpStatus: 401, authorization: true, local: true }), false],
    ["HTTP 403 with a bare -32000", new ProtocolError(-32000, "forbidden", { httpStatus: 403 }), false],
    ["HTTP 429", new ProtocolError(-32000, "HTTP 429", { httpStatus: 429, local: true }), false],
    ["HTTP 429 with a JSON-RPC error", new ProtocolError(-32000, "slow down", { httpStatus: 429 }), false],
    ["HTTP 503 with a JSON-RPC error", new ProtocolError(-32000, "overloaded", { httpStatus: 503 }), false],
    ["HTTP 502 from a gateway", new ProtocolError(-32000, "HTTP 502", { httpStatus: 502, local: true }), false],
    ["HTTP 500 without JSON-RPC", new ProtocolError(-32000, "HTTP 500", { httpStatus: 500, local: true }), false],
    ["internal error", new ProtocolError(-32603, "database down"), false],
    ["Trellis's rate limit code", new ProtocolError(-32013, "too many"), false],
    ["no HTTP answer at all", new ProtocolError(-32000, "POST failed: ECONNREFUSED", { local: true }), false],
    ["an unexpected content type", new ProtocolError(-32000, "unexpected Content-Type", { local: true }), false],
    ["the process is gone", new TrellisError("CONNECTION_CLOSED", "connection closed"), false],
    ["a plain error", new Error("boom"), false],
  ];
  const wrong = cases.filter(([, err, want]) => olderServer(err) !== want).map(([name]) => name);
  assert.deepEqual(wrong, []);
});

type Refusal = (res: ServerResponse, id: unknown) => void;
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A server that answers server/discover with `refuse` and initialize as a 2025-11-25 server; it records the methods. */
async function refusing(refuse: Refusal): Promise<{ url: URL; methods: string[] }> {
  const methods: string[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.method !== "POST") return void res.writeHead(405).end();
    const m = JSON.parse(body) as { id?: unknown; method: string };
    methods.push(m.method);
    if (m.method === "server/discover") return refuse(res, m.id);
    if (m.id === undefined) return void res.writeHead(202).end();
    const result =
      m.method === "initialize"
        ? { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "older", version: "1" } }
        : {};
    res
      .writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" })
      .end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), methods };
}

const json =
  (status: number, body: unknown): Refusal =>
  (res) =>
    void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
const rpcError =
  (status: number, error: object): Refusal =>
  (res, id) =>
    json(status, { jsonrpc: "2.0", id, error })(res, id);

const OLDER: [string, Refusal][] = [
  [
    "HTTP 400 with -32000 and data of its own (fastmcp 4.x)",
    rpcError(400, { code: -32000, message: "Unsupported protocol version", data: { reason: "server_missing_modern_protocol_support" } }),
  ],
  ["HTTP 400 with -32000 and no data (SDK 1.x)", rpcError(400, { code: -32000, message: "Bad Request: Server not initialized" })],
  [
    "HTTP 400 with a null id",
    (res) => json(400, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request" } })(res, null),
  ],
  ["HTTP 200 with -32601", rpcError(200, { code: -32601, message: "Method not found" })],
  ["HTTP 404 with an HTML page", (res) => void res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not found</h1>")],
  ["HTTP 422 with a JSON body that is not JSON-RPC", json(422, { detail: "unknown method" })],
];
for (const [name, refuse] of OLDER) {
  test(`auto falls back to initialize over HTTP: ${name}`, async () => {
    const { url, methods } = await refusing(refuse);
    const client = new McpClient({ name: "c", version: "1" });
    await client.connect(new StreamableHttpClientTransport(url));
    assert.equal(client.protocolVersion, "2025-11-25");
    assert.deepEqual(methods.slice(0, 2), ["server/discover", "initialize"]);
    await client.close();
  });
}

const FATAL: [string, Refusal, RegExp][] = [
  ["HTTP 401 with a JSON-RPC error", rpcError(401, { code: -32000, message: "sign in first" }), /sign in first/],
  ["HTTP 429", (res) => void res.writeHead(429, { "retry-after": "5" }).end("slow down"), /429/],
  ["HTTP 503 with a JSON-RPC error", rpcError(503, { code: -32000, message: "overloaded" }), /overloaded/],
  ["HTTP 500 without JSON-RPC", (res) => void res.writeHead(500).end("boom"), /500/],
  ["HTTP 200 with -32603", rpcError(200, { code: -32603, message: "database down" }), /database down/],
];
for (const [name, refuse, message] of FATAL) {
  test(`auto does not fall back over HTTP: ${name} fails connect, and no initialize is sent`, async () => {
    const { url, methods } = await refusing(refuse);
    const client = new McpClient({ name: "c", version: "1" });
    await assert.rejects(client.connect(new StreamableHttpClientTransport(url)), message);
    assert.deepEqual(methods, ["server/discover"]);
  });
}

test("auto does not fall back when nothing answers: connect fails with the transport's error, at once", async () => {
  const { url } = await refusing(() => {});
  const port = url.port;
  await new Promise<void>((r) => servers.pop()!.close(() => r()));
  const client = new McpClient({ name: "c", version: "1" });
  await assert.rejects(client.connect(new StreamableHttpClientTransport(new URL(`http://127.0.0.1:${port}/mcp`))), /failed/);
});

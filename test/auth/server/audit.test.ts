import { test } from "node:test";
import assert from "node:assert/strict";
import { auditRequests } from "../../../src/auth/server/audit.js";
import { MemoryAuditSink } from "../../../src/stores/audit.js";
import { McpServer } from "../../../src/server/index.js";
import { connectClient } from "../../helpers.js";

test("auditRequests: each request that reaches a handler — method, target, outcome, time; arguments hashed unless asked for", async () => {
  for (const clear of [false, true]) {
    const sink = new MemoryAuditSink();
    const server = new McpServer({ name: "s", version: "1" }, { onRequest: auditRequests(sink, { arguments: clear }) });
    server.registerTool("echo", { inputSchema: { type: "object", properties: { secret: { type: "string" } } } }, (a) => String(a.secret));
    server.registerTool("fails", {}, () => {
      throw new Error("boom");
    });
    const { client } = await connectClient(server);
    await client.callTool("echo", { secret: "hunter2" });
    await client.callTool("fails", {});
    await client.callTool("missing", {}).catch(() => {});
    await client.listTools();
    await client.close();
    const rows = sink.events.map((e) => [e.type, e.method, e.target, e.outcome]);
    assert.deepEqual(rows, [
      ["mcp_request", "tools/call", "echo", "ok"],
      ["mcp_request", "tools/call", "fails", "tool_error"],
      ["mcp_request", "tools/call", "missing", "-32602"],
      ["mcp_request", "tools/list", undefined, "ok"],
    ]);
    assert.ok(sink.events.every((e) => typeof e.durationMs === "number" && e.at));
    const detail = sink.events[0]!.detail!;
    if (clear) assert.deepEqual(detail, { arguments: { secret: "hunter2" } });
    else {
      assert.match(String(detail.argumentsSha256), /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(sink.events).includes("hunter2"));
    }
  }
});

test("a sink that throws does not fail the request", async () => {
  const errors: Error[] = [];
  const server = new McpServer(
    { name: "s", version: "1" },
    {
      onRequest: auditRequests(
        {
          write: () => {
            throw new Error("disk full");
          },
        },
        { onerror: (e) => errors.push(e) },
      ),
    },
  );
  server.registerTool("t", {}, () => "ok");
  const { client } = await connectClient(server);
  assert.equal(((await client.callTool("t", {})).content[0] as { text: string }).text, "ok");
  assert.equal(errors[0]?.message, "disk full");
  await client.close();
});

test("GET /audit: a bearer of the audit scope reads the log, filtered; others are refused; reading is itself recorded", async () => {
  const { AuthorizationServer } = await import("../../../src/auth/server/index.js");
  const { MemoryAuthStore } = await import("../../../src/stores/memory/auth-store.js");
  const sink = new MemoryAuditSink();
  const secret = "a-long-enough-client-secret-for-tests";
  const make = (auditScope?: string) =>
    new AuthorizationServer({
      store: new MemoryAuthStore(),
      audit: sink,
      issuer: "https://as.example.com",
      auditScope,
      roles: { reader: ["read"], auditor: ["read", "audit"] },
      clients: [
        { clientId: "reader", clientSecret: secret, grantTypes: ["client_credentials"], roles: ["reader"] },
        { clientId: "auditor", clientSecret: secret, grantTypes: ["client_credentials"], roles: ["auditor"] },
      ],
      resources: [{ uri: "https://mcp.example.com/mcp", scopes: ["read", "audit"] }],
    });
  const as = make("audit");
  const token = async (client: string, scope: string) => {
    const r = await as.fetch(
      new Request("https://as.example.com/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString("base64")}`,
        },
        body: `grant_type=client_credentials&scope=${encodeURIComponent(scope)}&resource=https%3A%2F%2Fmcp.example.com%2Fmcp`,
      }),
    );
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const read = (query: string, bearer?: string) =>
    as.fetch(new Request(`https://as.example.com/audit${query}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }));
  assert.equal(as.metadata().trellis_audit_endpoint, "https://as.example.com/audit");
  const reader = await token("reader", "read");
  const auditor = await token("auditor", "read audit");

  const anonymous = await read("");
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get("www-authenticate")!, /scope="audit"/);
  const noScope = await read("", reader);
  assert.equal(noScope.status, 403);
  assert.match(((await noScope.json()) as { error_description: string }).error_description, /needs the audit scope/);
  assert.equal((await read("", "not.a.jwt")).status, 401);

  const all = (await (await read("", auditor)).json()) as { events: { type: string; clientId?: string }[] };
  assert.ok(
    all.events.some((e) => e.type === "token_issued" && e.clientId === "auditor"),
    JSON.stringify(all.events),
  );
  const filtered = (await (await read("?type=token_issued&clientId=reader&limit=5", auditor)).json()) as {
    events: { type: string; clientId?: string }[];
  };
  assert.deepEqual(
    filtered.events.map((e) => [e.type, e.clientId]),
    [["token_issued", "reader"]],
  );
  assert.equal((await read("?limit=0", auditor)).status, 400);
  assert.equal((await read("?since=yesterday", auditor)).status, 400);
  assert.ok(
    sink.events.some((e) => e.type === "audit_read" && e.clientId === "auditor"),
    "who read the log is in the log",
  );
  assert.ok(!JSON.stringify(sink.events).includes(auditor), "no token in the log");

  // Without auditScope there is no such endpoint, and the metadata does not name one.
  const closed = make();
  assert.equal((await closed.fetch(new Request("https://as.example.com/audit"))).status, 404);
  assert.equal(closed.metadata().trellis_audit_endpoint, undefined);
  assert.deepEqual([as.handles("/audit"), closed.handles("/audit")], [true, false], "serveHttp routes /audit only when it is served");
});

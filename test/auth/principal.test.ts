/**
 * Attack #5: principals must not collide. Sessions and tasks belong to one key built from the issuer, the kind of
 * claim and its value; a token with client_id "alice" and no sub is not the user "alice", "alice" at one issuer is
 * not "alice" at another, a token that names no one is refused, and no token is ever stored.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { SqliteSessionStore, SqliteTaskStore } from "../../src/stores/sqlite/index.js";
import { principalKey, type AuthInfo } from "../../src/jsonrpc/transport.js";
import { InvalidTokenError, type TokenVerifier, bearerAuth } from "../../src/auth/index.js";

const URL_ = "http://127.0.0.1:3000/mcp";
const TOKENS: Record<string, Omit<AuthInfo, "token" | "scopes">> = {
  "tok-alice-user-0123456789": { issuer: "https://as1.example", subject: "alice" },
  "tok-alice-client-0123456789": { issuer: "https://as1.example", clientId: "alice" },
  "tok-alice-other-issuer-0123": { issuer: "https://as2.example", subject: "alice" },
  "tok-nobody-0123456789": { issuer: "https://as1.example" },
};
const verifier: TokenVerifier = {
  async verify(token) {
    const known = TOKENS[token];
    if (!known) throw new InvalidTokenError("unknown token");
    return { token, scopes: ["mcp"], ...known };
  },
};

function setup(dir: string) {
  const server = new McpServer({ name: "p", version: "1" }, { tasks: { store: new SqliteTaskStore({ filename: join(dir, "t.db") }) } });
  server.registerTool(
    "secret",
    { execution: { taskSupport: "optional" } },
    (_a, ctx) => `for ${ctx.authInfo?.subject ?? ctx.authInfo?.clientId}`,
  );
  const h = new StreamableHttpHandler(server, {
    sessionStore: new SqliteSessionStore({ filename: join(dir, "t.db") }),
    auth: bearerAuth({ verifier, resource: URL_, authorizationServers: ["https://as1.example"] }),
  });
  return { server, h };
}

async function post(h: StreamableHttpHandler, token: string, body: unknown, sid?: string) {
  const res = await h.fetch(
    new Request(URL_, {
      method: "POST",
      headers: {
        host: "127.0.0.1:3000",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${token}`,
        ...(sid ? { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" } : {}),
      },
      body: JSON.stringify(body),
    }),
  );
  return {
    status: res.status,
    sid: res.headers.get("mcp-session-id"),
    challenge: res.headers.get("www-authenticate"),
    body: res.status === 202 ? undefined : await res.json(),
  };
}

async function session(h: StreamableHttpHandler, token: string): Promise<string> {
  const r = await post(h, token, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await post(h, token, { jsonrpc: "2.0", method: "notifications/initialized" }, r.sid!);
  return r.sid!;
}

test("principalKey: issuer, claim kind and value, unambiguous; undefined for a token that names no one", () => {
  const keys = [
    principalKey({ token: "x", scopes: [], issuer: "https://as1", subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as1", clientId: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as2", subject: "alice" }),
    principalKey({ token: "x", scopes: [], subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: 'https://as1","sub', subject: "alice" }),
  ];
  assert.equal(new Set(keys).size, keys.length, keys.join(" | "));
  assert.ok(
    keys.every((k) => k && !k.includes('"x"')),
    "the token is not part of the key",
  );
  assert.equal(principalKey({ token: "x", scopes: [], issuer: "https://as1" }), undefined);
  assert.equal(principalKey({ token: "x", scopes: [], subject: "", clientId: "" }), undefined);
});

test("attack #5: a token without sub and client_id=alice, or alice at another issuer, reaches neither the user alice's session nor her tasks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-principal-"));
  const { server, h } = setup(dir);
  try {
    const alice = "tok-alice-user-0123456789";
    const sid = await session(h, alice);
    const created = await post(h, alice, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "secret", task: {} } }, sid);
    const taskId = created.body.result.task.taskId as string;
    for (const impostor of ["tok-alice-client-0123456789", "tok-alice-other-issuer-0123"]) {
      // Her session id does not work for them...
      assert.equal((await post(h, impostor, { jsonrpc: "2.0", id: 2, method: "ping" }, sid)).status, 404, impostor);
      // ...and from a session of their own her task does not exist.
      const own = await session(h, impostor);
      for (const method of ["tasks/get", "tasks/result", "tasks/cancel"]) {
        const r = await post(h, impostor, { jsonrpc: "2.0", id: 3, method, params: { taskId } }, own);
        assert.equal(r.body.error?.code, -32602, `${impostor} ${method}`);
        assert.match(r.body.error.message, /not found/);
      }
      assert.deepEqual((await post(h, impostor, { jsonrpc: "2.0", id: 4, method: "tasks/list" }, own)).body.result.tasks, []);
    }
    // She still has both.
    assert.equal(
      (await post(h, alice, { jsonrpc: "2.0", id: 5, method: "tasks/result", params: { taskId } }, sid)).body.result.content[0].text,
      "for alice",
    );
    // A token that names no one is refused outright.
    const nobody = await post(h, "tok-nobody-0123456789", {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    assert.equal(nobody.status, 401);
    assert.match(nobody.challenge!, /error="invalid_token", error_description="the access token identifies no one/);
  } finally {
    await h.close();
    await server.close();
  }
  // Nothing in the database is a token.
  const raw =
    readFileSync(join(dir, "t.db")).toString("latin1") +
    (() => {
      try {
        return readFileSync(join(dir, "t.db-wal")).toString("latin1");
      } catch {
        return "";
      }
    })();
  for (const token of Object.keys(TOKENS)) assert.ok(!raw.includes(token), `${token} is not stored`);
  assert.ok(raw.includes("https://as1.example"), "the owners are stored (so the check above reads real data)");
  rmSync(dir, { recursive: true, force: true });
});

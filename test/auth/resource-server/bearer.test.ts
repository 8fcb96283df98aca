/**
 * The OAuth 2.1 resource server: JWT verification against a JWKS served on loopback (with key rotation),
 * introspection, Protected Resource Metadata, 401/403 challenges, per-tool scopes, and the security table:
 * each bad token is refused with the right status and WWW-Authenticate, and nothing reaches a handler.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { freePort } from "../../helpers.js";
import { McpServer } from "../../../src/server/index.js";
import { serveHttp, StreamableHttpHandler, type HttpServerHandle } from "../../../src/transports/http/index.js";
import { IntrospectionTokenVerifier, JwtTokenVerifier, bearerAuth } from "../../../src/auth/index.js";

const ISSUER = "http://127.0.0.1/issuer";
let jwksServer: Server;
let jwksUrl: string;
const published: JWK[] = [];
let key1: Awaited<ReturnType<typeof generateKeyPair>>;
let key2: Awaited<ReturnType<typeof generateKeyPair>>;
let rogue: Awaited<ReturnType<typeof generateKeyPair>>;
let mcp: HttpServerHandle;
let calls = 0;
let lastSubject: string | undefined;

function mint(
  key: CryptoKey,
  kid: string,
  claims: Record<string, unknown> = {},
  opts: { aud?: string; iss?: string; exp?: number; nbf?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: "mcp", client_id: "test-client", ...claims })
    .setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? mcp.url)
    .setSubject((claims.sub as string) ?? "alice")
    .setIssuedAt(now)
    .setNotBefore(opts.nbf ?? now - 1)
    .setExpirationTime(opts.exp ?? now + 300)
    .sign(key);
}

before(async () => {
  key1 = await generateKeyPair("RS256");
  key2 = await generateKeyPair("RS256");
  rogue = await generateKeyPair("RS256");
  published.push({ ...(await exportJWK(key1.publicKey)), kid: "k1", alg: "RS256", use: "sig" });
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", () => r()));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks`;
  const server = new McpServer({ name: "protected", version: "1" });
  server.registerTool("public", {}, (_a, ctx) => {
    calls++;
    lastSubject = ctx.authInfo?.subject;
    return "public";
  });
  server.registerTool("admin", { scopes: ["admin"] }, () => {
    calls++;
    return "admin";
  });
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  mcp = await serveHttp(server, {
    port,
    eventStore: "memory",
    sessionStore: "memory",
    auth: bearerAuth({
      verifier: new JwtTokenVerifier({ issuer: ISSUER, audience: resource, jwks: jwksUrl }),
      resource,
      authorizationServers: [ISSUER],
      requiredScopes: ["mcp"],
      resourceName: "Protected test server",
    }),
  });
});

after(async () => {
  await mcp?.close();
  await new Promise<void>((r) => jwksServer.close(() => r()));
});

const INIT = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

async function post(body: unknown, token?: string, extra: Record<string, string> = {}, url = mcp.url) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    session: res.headers.get("mcp-session-id"),
    body: await res.json().catch(() => undefined),
  };
}

async function session(token: string): Promise<string> {
  const r = await post(INIT, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, token, { "mcp-session-id": r.session! });
  return r.session!;
}

test("no token: 401 with resource_metadata and scope; the metadata is served at both well-known paths", async () => {
  const r = await post(INIT);
  assert.equal(r.status, 401);
  const origin = new URL(mcp.url).origin;
  assert.equal(r.challenge, `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="mcp"`);
  assert.match(r.body.error.message, /needs an OAuth access token/);
  for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
    const doc = await (await fetch(origin + path)).json();
    assert.deepEqual(
      doc,
      {
        resource: mcp.url,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ["header"],
        scopes_supported: ["mcp"],
        resource_name: "Protected test server",
        dpop_signing_alg_values_supported: ["ES256", "ES384", "PS256", "RS256", "EdDSA"],
      },
      path,
    );
  }
});

test("a valid token: the principal reaches the handler; tools the caller lacks scopes for are hidden and refused with 403 insufficient_scope", async () => {
  const token = await mint(key1.privateKey, "k1");
  const sid = await session(token);
  const list = await post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, token, { "mcp-session-id": sid });
  assert.deepEqual(
    list.body.result.tools.map((t: { name: string }) => t.name),
    ["public"],
  );
  const ok = await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "public" } }, token, { "mcp-session-id": sid });
  assert.equal(ok.body.result.content[0].text, "public");
  assert.equal(lastSubject, "alice");
  const before = calls;
  const denied = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "admin" } }, token, { "mcp-session-id": sid });
  assert.equal(denied.status, 403);
  assert.match(denied.challenge!, /error="insufficient_scope"/);
  assert.match(denied.challenge!, /scope="mcp admin"/);
  assert.equal(calls, before, "the handler never ran");
  // Step up: a token with the admin scope may call it.
  const admin = await mint(key1.privateKey, "k1", { scope: "mcp admin" });
  const sid2 = await session(admin);
  assert.equal(
    (await post({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "admin" } }, admin, { "mcp-session-id": sid2 })).body.result
      .content[0].text,
    "admin",
  );
  // A session is bound to its principal: bob's token cannot use alice's session.
  const bob = await mint(key1.privateKey, "k1", { sub: "bob" });
  assert.equal((await post({ jsonrpc: "2.0", id: 5, method: "ping" }, bob, { "mcp-session-id": sid })).status, 404);
});

test("security table: each bad token is refused with the right status and challenge, and nothing reaches a handler", async () => {
  const now = Math.floor(Date.now() / 1000);
  const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: mcp.url, sub: "eve", scope: "mcp admin", exp: now + 300 })).toString("base64url")}.`;
  const cases: {
    name: string;
    token: () => Promise<string> | string;
    status: number;
    error: string;
    description: RegExp;
    query?: boolean;
  }[] = [
    {
      name: "another audience",
      token: () => mint(key1.privateKey, "k1", {}, { aud: "http://127.0.0.1:1/other" }),
      status: 401,
      error: "invalid_token",
      description: /not issued for this server \(aud\)/,
    },
    {
      name: "expired",
      token: () => mint(key1.privateKey, "k1", {}, { exp: now - 120, nbf: now - 600 }),
      status: 401,
      error: "invalid_token",
      description: /expired/,
    },
    {
      name: "not yet valid",
      token: () => mint(key1.privateKey, "k1", {}, { nbf: now + 600, exp: now + 900 }),
      status: 401,
      error: "invalid_token",
      description: /not valid yet \(nbf\)/,
    },
    {
      name: "wrong issuer",
      token: () => mint(key1.privateKey, "k1", {}, { iss: "http://127.0.0.1/evil" }),
      status: 401,
      error: "invalid_token",
      description: /issuer this server does not trust/,
    },
    {
      name: "unknown key",
      token: () => mint(rogue.privateKey, "rogue"),
      status: 401,
      error: "invalid_token",
      description: /key the issuer does not publish/,
    },
    {
      name: "known kid, wrong key",
      token: () => mint(rogue.privateKey, "k1"),
      status: 401,
      error: "invalid_token",
      description: /signature is invalid/,
    },
    {
      name: "alg none",
      token: () => none,
      status: 401,
      error: "invalid_token",
      description: /algorithm this server does not accept|not a valid JWT/,
    },
    { name: "garbage", token: () => "not-a-jwt", status: 401, error: "invalid_token", description: /not a valid JWT/ },
    {
      name: "missing the required scope",
      token: () => mint(key1.privateKey, "k1", { scope: "other" }),
      status: 403,
      error: "insufficient_scope",
      description: /needs the scope\(s\) mcp/,
    },
    {
      name: "token in the query string",
      token: () => mint(key1.privateKey, "k1"),
      status: 400,
      error: "invalid_request",
      description: /must not be sent in the query string/,
      query: true,
    },
  ];
  const before = calls;
  for (const c of cases) {
    const token = await c.token();
    const r = c.query
      ? await post(
          { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "public" } },
          undefined,
          {},
          `${mcp.url}?access_token=${token}`,
        )
      : await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "public" } }, token);
    assert.equal(r.status, c.status, c.name);
    assert.match(r.challenge!, new RegExp(`error="${c.error}"`), c.name);
    assert.match(r.challenge!, /resource_metadata="/, c.name);
    assert.match(r.body.error.message, c.description, c.name);
  }
  assert.equal(calls, before, "no refused request reached a handler");
});

test("key rotation: a token signed with a newly published key verifies without a restart", async () => {
  const rotated = await mint(key2.privateKey, "k2");
  assert.equal((await post(INIT, rotated)).status, 401, "not published yet");
  published.push({ ...(await exportJWK(key2.publicKey)), kid: "k2", alg: "RS256", use: "sig" });
  // jose refetches the JWKS on an unknown kid after its cooldown; a fresh verifier shows the same path.
  const verifier = new JwtTokenVerifier({ issuer: ISSUER, audience: mcp.url, jwks: jwksUrl });
  const info = await verifier.verify(rotated);
  assert.equal(info.subject, "alice");
  assert.deepEqual(info.scopes, ["mcp"]);
  assert.equal(info.clientId, "test-client");
});

test("introspection verifier (RFC 7662): active, audience and expiry are checked; answers are cached", async () => {
  let asked = 0;
  const as = createServer(async (req, res) => {
    asked++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const token = new URLSearchParams(Buffer.concat(chunks).toString()).get("token");
    const auth = req.headers.authorization;
    res.writeHead(auth === `Basic ${btoa("rs:secret")}` ? 200 : 401, { "content-type": "application/json" });
    const now = Math.floor(Date.now() / 1000);
    const answers: Record<string, unknown> = {
      good: { active: true, aud: "http://127.0.0.1/mcp", sub: "carol", scope: "mcp read", client_id: "c1", exp: now + 60 },
      other: { active: true, aud: "http://127.0.0.1/elsewhere", exp: now + 60 },
      dead: { active: false },
    };
    res.end(JSON.stringify(answers[token ?? ""] ?? { active: false }));
  });
  await new Promise<void>((r) => as.listen(0, "127.0.0.1", () => r()));
  const endpoint = `http://127.0.0.1:${(as.address() as { port: number }).port}/introspect`;
  const v = new IntrospectionTokenVerifier({ endpoint, audience: "http://127.0.0.1/mcp", clientId: "rs", clientSecret: "secret" });
  const info = await v.verify("good");
  assert.deepEqual([info.subject, info.clientId, info.scopes], ["carol", "c1", ["mcp", "read"]]);
  await v.verify("good");
  assert.equal(asked, 1, "cached");
  await assert.rejects(v.verify("other"), /not issued for this server/);
  await assert.rejects(v.verify("dead"), /not active/);
  const wrongCreds = new IntrospectionTokenVerifier({ endpoint, audience: "http://127.0.0.1/mcp", clientId: "rs", clientSecret: "nope" });
  await assert.rejects(wrongCreds.verify("good"), /could not be introspected \(introspection endpoint answered HTTP 401\)/);
  await new Promise<void>((r) => as.close(() => r()));
});

test("auth options are checked when the server is built, with the fix named", () => {
  const server = new McpServer({ name: "x", version: "1" });
  const verifier = new JwtTokenVerifier({ issuer: ISSUER, audience: "http://127.0.0.1/mcp", jwks: { keys: [] } });
  assert.throws(
    () => bearerAuth({ verifier, resource: "/mcp", authorizationServers: [ISSUER] }),
    /bearerAuth: resource must be this server's canonical URI/,
  );
  assert.throws(() => bearerAuth({ verifier, resource: "http://127.0.0.1/mcp", authorizationServers: [] }), /at least one issuer URL/);
  assert.throws(
    () => bearerAuth({ verifier: {} as never, resource: "http://127.0.0.1/mcp", authorizationServers: [ISSUER] }),
    /bearerAuth: verifier must be a TokenVerifier/,
  );
  // The options object the handler took before bearerAuth() existed is refused with the fix.
  assert.throws(
    () =>
      new StreamableHttpHandler(server, { auth: { verifier, resource: "http://127.0.0.1/mcp", authorizationServers: [ISSUER] } as never }),
    /wrap the options: auth: bearerAuth\(/,
  );
});

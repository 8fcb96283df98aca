/**
 * The authorization server's security table: each attack in its own test, each checking that nothing was issued
 * (or that what was issued stops working), and that the audit log never holds a secret.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { FormBrowser, formOf } from "../../fixtures/form-browser.js";
import { demoUsers, protectedServer, ROLES, type ProtectedSetup } from "../../fixtures/auth-server.js";
import { AuthorizationServer } from "../../../src/auth/server/index.js";
import { McpServer } from "../../../src/server/index.js";
import { serveHttp } from "../../../src/transports/http/index.js";
import { McpClient, StreamableHttpClientTransport } from "../../../src/client/index.js";
import type { AuthRecordKind } from "../../../src/stores/auth-store.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

const REDIRECT = "http://127.0.0.1:7777/callback";
const b64 = (b: Buffer) => b.toString("base64url");

function pkce() {
  const verifier = b64(randomBytes(32));
  return { verifier, challenge: b64(createHash("sha256").update(verifier).digest()) };
}

function authorizeUrl(s: ProtectedSetup, over: Record<string, string | undefined> = {}) {
  const u = new URL(`${s.as.issuer}/authorize`);
  const base: Record<string, string | undefined> = {
    response_type: "code",
    client_id: "app",
    redirect_uri: REDIRECT,
    state: "st",
    code_challenge: pkce().challenge,
    code_challenge_method: "S256",
    resource: s.url,
    ...over,
  };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

/** Runs the browser part and returns the code (and what was sent back). */
async function code(s: ProtectedSetup, p = pkce(), user = "alice") {
  const loc = new URL(
    await new FormBrowser().authorize(authorizeUrl(s, { code_challenge: p.challenge }), {
      username: user,
      password: `${user}-demo-password`,
    }),
  );
  assert.equal(loc.searchParams.get("iss"), s.as.issuer, "RFC 9207: iss on the authorization response");
  assert.equal(loc.searchParams.get("state"), "st");
  return { code: loc.searchParams.get("code")!, verifier: p.verifier };
}

async function tokenRequest(s: ProtectedSetup, form: Record<string, string>, headers: Record<string, string> = {}) {
  const r = await fetch(`${s.as.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
  return { status: r.status, body: (await r.json()) as Record<string, string> };
}

const exchange = (s: ProtectedSetup, c: { code: string; verifier: string }) =>
  tokenRequest(s, {
    grant_type: "authorization_code",
    code: c.code,
    code_verifier: c.verifier,
    redirect_uri: REDIRECT,
    client_id: "app",
    resource: s.url,
  });

async function mcpStatus(s: ProtectedSetup, token: string, url = s.url) {
  const r = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    }),
  });
  await r.body?.cancel();
  return r.status;
}

async function withServer(fn: (s: ProtectedSetup) => Promise<void>, over = {}) {
  const s = await protectedServer(over);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test("PKCE: a request without code_challenge, or with plain, gets an error back at the redirect URI and no code", () =>
  withServer(async (s) => {
    for (const over of [
      { code_challenge: undefined, code_challenge_method: undefined },
      { code_challenge_method: "plain" },
      { code_challenge_method: undefined },
    ]) {
      const r = await fetch(authorizeUrl(s, over), { redirect: "manual" });
      assert.equal(r.status, 303);
      const loc = new URL(r.headers.get("location")!);
      assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
      assert.equal(loc.searchParams.get("error"), "invalid_request");
      assert.equal(loc.searchParams.get("code"), null);
      assert.equal(loc.searchParams.get("iss"), s.as.issuer);
    }
    const c = await code(s);
    const wrong = await tokenRequest(s, {
      grant_type: "authorization_code",
      code: c.code,
      code_verifier: pkce().verifier,
      redirect_uri: REDIRECT,
      client_id: "app",
    });
    assert.deepEqual([wrong.status, wrong.body.error], [400, "invalid_grant"]);
  }));

test("redirect_uri: one not registered is shown an error page, never redirected to; a loopback port may differ; a path may not", () =>
  withServer(async (s) => {
    for (const bad of ["https://evil.example/callback", "http://127.0.0.1:7777/other", "http://localhost.evil.example/callback"]) {
      const r = await fetch(authorizeUrl(s, { redirect_uri: bad }), { redirect: "manual" });
      assert.equal(r.status, 400, bad);
      assert.equal(r.headers.get("location"), null);
      assert.match(await r.text(), /Invalid redirect/);
    }
    const ok = await fetch(authorizeUrl(s, { redirect_uri: "http://127.0.0.1:55555/callback" }), { redirect: "manual" });
    assert.equal(ok.status, 200, "RFC 8252: any port on loopback");
    await ok.body?.cancel();
    const c = await code(s);
    const other = await tokenRequest(s, {
      grant_type: "authorization_code",
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: "http://127.0.0.1:7778/callback",
      client_id: "app",
    });
    assert.deepEqual([other.status, other.body.error], [400, "invalid_grant"], "the token request must name the same redirect URI");
  }));

test("code reuse: the second exchange fails and revokes what the first got (refresh and access tokens)", () =>
  withServer(async (s) => {
    const c = await code(s);
    const first = await exchange(s, c);
    assert.equal(first.status, 200);
    assert.equal(await mcpStatus(s, first.body.access_token!), 200);
    const second = await exchange(s, c);
    assert.deepEqual([second.status, second.body.error], [400, "invalid_grant"]);
    assert.equal(await mcpStatus(s, first.body.access_token!), 401, "the first access token is revoked with its grant");
    const refreshed = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: first.body.refresh_token!, client_id: "app" });
    assert.equal(refreshed.body.error, "invalid_grant");
  }));

test("a wrong code_verifier, redirect_uri or resource does not burn the code: an interceptor cannot make the real exchange fail", () =>
  withServer(async (s) => {
    const c = await code(s);
    const attempts: Array<[string, Record<string, string>, string]> = [
      ["wrong verifier", { code_verifier: pkce().verifier }, "invalid_grant"],
      ["no verifier", { code_verifier: "" }, "invalid_grant"],
      ["wrong redirect_uri", { redirect_uri: "http://127.0.0.1:7778/callback" }, "invalid_grant"],
      ["wrong resource", { resource: "https://elsewhere.example/mcp" }, "invalid_target"],
    ];
    const base = { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, client_id: "app" };
    for (const [name, over, error] of attempts) {
      const r = await tokenRequest(s, { ...base, resource: s.url, ...over });
      assert.deepEqual([r.status, r.body.error], [400, error], name);
    }
    const real = await exchange(s, c);
    assert.equal(real.status, 200, `the real exchange still succeeds: ${JSON.stringify(real.body)}`);
    assert.equal(await mcpStatus(s, real.body.access_token!), 200);
    // Replaying the used code without its verifier is not a redemption: it revokes nothing.
    const replay = await tokenRequest(s, { ...base, code_verifier: pkce().verifier });
    assert.equal(replay.body.error, "invalid_grant");
    assert.equal(await mcpStatus(s, real.body.access_token!), 200, "an interceptor without the verifier cannot revoke the real tokens");
    assert.ok(!s.audit.events.some((e) => e.outcome === "code_reuse"));
  }));

test("concurrent redemptions of one code with the right verifier: exactly one gets tokens, and as a reuse they are revoked", async () => {
  // The worst order: the winner's refresh family is written only after the loser has tried to revoke it.
  let revoked!: () => void;
  const revokeTried = new Promise<void>((r) => (revoked = r));
  class Gated extends MemoryAuthStore {
    override update<T>(kind: AuthRecordKind, id: string, fn: (c: T | undefined) => T | undefined, expiresAt?: number) {
      const out = super.update(kind, id, fn, expiresAt);
      if (kind === "family") revoked();
      return out;
    }
    override async put(kind: AuthRecordKind, id: string, value: unknown, expiresAt?: number) {
      if (kind === "family") await Promise.race([revokeTried, new Promise((r) => setTimeout(r, 5000).unref())]);
      super.put(kind, id, value, expiresAt);
    }
  }
  await withServer(
    async (s) => {
      const c = await code(s);
      const results = await Promise.all([exchange(s, c), exchange(s, c)]);
      const won = results.filter((r) => r.status === 200);
      assert.equal(won.length, 1, `exactly one wins: ${JSON.stringify(results.map((r) => r.body))}`);
      assert.deepEqual(
        results.filter((r) => r.status !== 200).map((r) => [r.status, r.body.error]),
        [[400, "invalid_grant"]],
      );
      const t = won[0]!.body;
      assert.equal(await mcpStatus(s, t.access_token!), 401, "RFC 6749 section 4.1.2: the winner's access token is revoked");
      const refreshed = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(refreshed.body.error, "invalid_grant", "and its refresh token, though its family was written after the revocation");
    },
    { store: new Gated() },
  );
});

test("refresh: rotation; the old token works within the grace window; reused after it, the whole family is revoked", () =>
  withServer(
    async (s) => {
      const t = (await exchange(s, await code(s))).body;
      const r1 = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(r1.status, 200);
      assert.notEqual(r1.body.refresh_token, t.refresh_token, "rotated");
      const concurrent = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(concurrent.status, 200, "inside the grace window the replaced token still works");
      await new Promise((r) => setTimeout(r, 1200));
      const reuse = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.deepEqual([reuse.status, reuse.body.error], [400, "invalid_grant"]);
      assert.match(reuse.body.error_description!, /already used; its grant is revoked/);
      for (const live of [r1.body.refresh_token!, concurrent.body.refresh_token!]) {
        const after = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: live, client_id: "app" });
        assert.equal(after.body.error, "invalid_grant", "every token of the family is dead");
      }
      assert.equal(await mcpStatus(s, r1.body.access_token!), 401, "and the access tokens minted from it");
      assert.ok(s.audit.events.some((e) => e.type === "refresh_reuse"));
    },
    { refreshGraceSec: 1 },
  ));

test("a token for another resource is refused by the resource server", async () => {
  const s = await protectedServer();
  const other = new McpServer({ name: "other", version: "1" });
  const otherHttp = await serveHttp(other, { eventStore: "memory", sessionStore: "memory", auth: s.as.mount("http://127.0.0.1:1/other") });
  try {
    s.as.addResource({ uri: otherHttp.url, defaultScopes: ["mcp:read"] });
    const forOther = await fetch(authorizeUrl(s, { resource: otherHttp.url }), { redirect: "manual" });
    assert.equal(forOther.status, 200);
    await forOther.body?.cancel();
    const p = pkce();
    const loc = new URL(
      await new FormBrowser().authorize(authorizeUrl(s, { resource: otherHttp.url, code_challenge: p.challenge }), {
        username: "alice",
        password: "alice-demo-password",
      }),
    );
    const t = await tokenRequest(s, {
      grant_type: "authorization_code",
      code: loc.searchParams.get("code")!,
      code_verifier: p.verifier,
      redirect_uri: REDIRECT,
      client_id: "app",
    });
    assert.equal(t.status, 200);
    assert.equal(await mcpStatus(s, t.body.access_token!), 401, "aud is the other server");
    const unknown = await fetch(authorizeUrl(s, { resource: "https://elsewhere.example/mcp" }), { redirect: "manual" });
    assert.equal(new URL(unknown.headers.get("location")!).searchParams.get("error"), "invalid_target");
    const none = await fetch(authorizeUrl(s, { resource: undefined }), { redirect: "manual" });
    assert.equal(new URL(none.headers.get("location")!).searchParams.get("error"), "invalid_target", "resource is required");
  } finally {
    await otherHttp.close();
    await s.close();
  }
});

test("CIMD: client_id URLs on private, loopback or link-local addresses, or that redirect, are refused without being followed", async () => {
  const fetched: string[] = [];
  const redirecting = (async (url: string | URL) => {
    fetched.push(String(url));
    return new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } });
  }) as typeof fetch;
  await withServer(
    async (s) => {
      for (const id of [
        "https://10.0.0.8/client.json",
        "https://127.0.0.1/client.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/client.json",
        "https://0x7f000001/client.json",
        "http://client.example/client.json",
        "https://client.example/",
      ]) {
        const r = await fetch(authorizeUrl(s, { client_id: id }), { redirect: "manual" });
        assert.equal(r.status, 400, id);
        assert.equal(r.headers.get("location"), null);
      }
      assert.deepEqual(fetched, [], "none of them was fetched");
      const r = await fetch(authorizeUrl(s, { client_id: "https://client.example/redirects.json" }), { redirect: "manual" });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /redirects are not followed/);
      assert.deepEqual(fetched, ["https://client.example/redirects.json"], "fetched once, the redirect not followed");
    },
    { cimd: { fetch: redirecting } },
  );
});

test("ID-JAG: an untrusted issuer, a replayed jti, another audience, another client are refused", async () => {
  const idp = await generateKeyPair("RS256", { extractable: true });
  const rogue = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(idp.publicKey)), kid: "i", alg: "RS256" };
  await withServer(
    async (s) => {
      const jag = (over: Record<string, unknown> = {}, key = idp.privateKey, iss = "https://idp.example") =>
        new SignJWT({ client_id: "agent", resource: s.url, jti: crypto.randomUUID(), ...over })
          .setProtectedHeader({ alg: "RS256", typ: "oauth-id-jag+jwt", kid: "i" })
          .setIssuer(iss)
          .setSubject("carol")
          .setAudience((over.aud as string) ?? s.as.issuer)
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(key);
      const grant = async (assertion: string) =>
        tokenRequest(
          s,
          { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion },
          { authorization: `Basic ${btoa("agent:agent-secret-0123456789")}` },
        );
      const good = await jag();
      assert.equal((await grant(good)).status, 200);
      const cases: Array<[string, string, RegExp]> = [
        ["replayed jti", good, /already used/],
        ["untrusted issuer", await jag({}, rogue.privateKey, "https://rogue.example"), /not a trusted identity provider/],
        ["signed by another key", await jag({}, rogue.privateKey), /signature/],
        ["another audience", await jag({ aud: "https://other-as.example" }), /aud/],
        ["another client", await jag({ client_id: "someone-else" }), /issued to client "someone-else"/],
        ["another resource", await jag({ resource: "https://elsewhere.example/mcp" }), /not a resource of this server/],
      ];
      for (const [name, assertion, why] of cases) {
        const r = await grant(assertion);
        assert.equal(r.body.error, "invalid_grant", name);
        assert.match(r.body.error_description!, why, name);
      }
      assert.equal(s.audit.events.filter((e) => e.type === "token_issued").length, 1);
    },
    {
      clients: [
        { clientId: "agent", clientSecret: "agent-secret-0123456789", grantTypes: ["urn:ietf:params:oauth:grant-type:jwt-bearer"] },
      ],
      trustedIdps: [{ issuer: "https://idp.example", jwks: { keys: [jwk as never] }, roles: ["reader"] }],
    },
  );
});

test("DPoP: a proof replayed at the token endpoint is refused; a bound token without its proof is refused by the resource server", () =>
  withServer(async (s) => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const pub = await exportJWK(publicKey);
    const proof = (htu: string, htm = "POST", extra: Record<string, unknown> = {}) =>
      new SignJWT({ htu, htm, jti: crypto.randomUUID(), ...extra })
        .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: pub })
        .setIssuedAt()
        .sign(privateKey);
    const c = await code(s);
    const p = await proof(`${s.as.issuer}/token`);
    const t = await tokenRequest(
      s,
      { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, client_id: "app" },
      { dpop: p },
    );
    assert.equal(t.status, 200);
    assert.equal(t.body.token_type, "DPoP");
    const c2 = await code(s);
    const replay = await tokenRequest(
      s,
      { grant_type: "authorization_code", code: c2.code, code_verifier: c2.verifier, redirect_uri: REDIRECT, client_id: "app" },
      { dpop: p },
    );
    assert.deepEqual([replay.status, replay.body.error], [400, "invalid_dpop_proof"]);
    assert.match(replay.body.error_description!, /already used/);
    assert.equal(await mcpStatus(s, t.body.access_token!), 401, "a DPoP-bound token presented as Bearer");
    const jkt = await calculateJwkThumbprint(pub);
    const claims = JSON.parse(Buffer.from(t.body.access_token!.split(".")[1]!, "base64url").toString());
    assert.deepEqual(claims.cnf, { jkt });
  }));

test("CSRF: the login and consent forms refuse a post without the transaction's token, from another browser, or from another site", () =>
  withServer(async (s) => {
    const victim = new FormBrowser();
    const page = await (await victim.get(authorizeUrl(s))).text();
    const form = formOf(page)!;
    const login = await victim.post(new URL(form.action).href, { ...form.fields, username: "alice", password: "alice-demo-password" });
    const consentPage = await login.text();
    const consent = formOf(consentPage)!;
    const attacker = new FormBrowser();
    const cases: Array<[string, FormBrowser, Record<string, string>, string | undefined]> = [
      ["wrong csrf token", victim, { ...consent.fields, csrf: "x".repeat(32), decision: "approve" }, undefined],
      ["no csrf token", victim, { txn: consent.fields.txn!, decision: "approve" }, undefined],
      ["another browser (no cookies)", attacker, { ...consent.fields, decision: "approve" }, undefined],
      ["another site", victim, { ...consent.fields, decision: "approve" }, "https://evil.example"],
    ];
    for (const [name, who, fields, origin] of cases) {
      const r = await who.post(new URL(consent.action).href, fields, origin);
      assert.equal(r.status, 403, name);
      assert.equal(r.headers.get("location"), null, name);
      await r.body?.cancel();
    }
    const ok = await victim.post(new URL(consent.action).href, { ...consent.fields, decision: "approve" });
    assert.equal(ok.status, 303, "the real form still works");
    assert.ok(new URL(ok.headers.get("location")!).searchParams.get("code"));
    const headers = (await new FormBrowser().get(authorizeUrl(s))).headers;
    assert.equal(headers.get("x-frame-options"), "DENY");
    assert.match(headers.get("content-security-policy")!, /frame-ancestors 'none'/);
  }));

test("the audit log (SQLite file and JSON export) holds no password, code, token or secret", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-audit-"));
  const database = join(dir, "auth.db");
  const as = new AuthorizationServer({
    database,
    defaultScopes: ["mcp:read"],
    roles: ROLES,
    users: demoUsers(),
    clients: [
      { clientId: "app", redirectUris: ["http://127.0.0.1/callback"] },
      { clientId: "robot", clientSecret: "robot-secret-0123456789", roles: ["reader"] },
    ],
  });
  const server = new McpServer(
    { name: "p", version: "1" },
    { onRequest: (r) => void as.record({ type: "mcp_request", method: r.method, outcome: r.outcome }) },
  );
  const http = await serveHttp(server, { authServer: as, eventStore: "memory", sessionStore: "memory" });
  const s = { url: http.url, as } as ProtectedSetup;
  try {
    const secrets: string[] = ["alice-demo-password", "wrong-password-123", "robot-secret-0123456789"];
    await new FormBrowser().authorize(authorizeUrl(s), { username: "alice", password: "wrong-password-123" }).catch(() => {});
    const c = await code(s);
    secrets.push(c.code, c.verifier);
    const t = (await exchange(s, c)).body;
    secrets.push(t.access_token!, t.refresh_token!);
    const r = (await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" })).body;
    secrets.push(r.access_token!, r.refresh_token!);
    const m = (
      await tokenRequest(
        s,
        { grant_type: "client_credentials", resource: s.url },
        { authorization: `Basic ${btoa("robot:robot-secret-0123456789")}` },
      )
    ).body;
    secrets.push(m.access_token!);
    const client = new McpClient({ name: "c", version: "1" });
    await client.connect(new StreamableHttpClientTransport(s.url, { headers: { authorization: `Bearer ${t.access_token}` } }));
    await client.listTools();
    await client.close();
    await fetch(`${as.issuer}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: r.refresh_token!, client_id: "app" }),
    });
    const events = await as.auditLog({ limit: 1000 });
    const types = new Set(events.map((e) => e.type));
    for (const t of ["login_failed", "login", "consent", "token_issued", "token_refreshed", "token_revoked", "mcp_request"])
      assert.ok(types.has(t), t);
    const exported = await as.exportAudit();
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1"));
    for (const secret of secrets) {
      assert.ok(!exported.includes(secret), "the export holds a secret");
      for (const f of files) assert.ok(!f.includes(secret), "the database holds a secret");
      // Each part of a JWT, and the secret half of a refresh token (its first half, "<grant>~<id>", names the
      // family and is the record's key: an identifier, useless without the secret).
      for (const part of secret.split("."))
        if (part.length > 20 && !part.includes("~")) for (const f of files) assert.ok(!f.includes(part), "a token part is stored");
    }
  } finally {
    await http.close();
    await as.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("password guessing: after 10 failures a username waits (429), even with the right password; the audit log says so", () =>
  withServer(async (s) => {
    const b = new FormBrowser();
    // One sign-in takes 5 wrong passwords at most (then the person starts again from the application): two of them.
    let form = formOf(await (await b.get(authorizeUrl(s))).text())!;
    for (let i = 0; i < 10; i++) {
      if (i === 5) form = formOf(await (await b.get(authorizeUrl(s))).text())!;
      const r = await b.post(form.action, { ...form.fields, username: "alice", password: `guess-${i}` });
      assert.equal(r.status, 401);
      await r.body?.cancel();
    }
    form = formOf(await (await b.get(authorizeUrl(s))).text())!;
    const locked = await b.post(form.action, { ...form.fields, username: "alice", password: "alice-demo-password" });
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /Too many failed attempts/);
    assert.equal(s.audit.events.filter((e) => e.type === "login_failed").length, 11);
    assert.equal(s.audit.events.at(-1)!.outcome, "locked");
    const other = await new FormBrowser().authorize(authorizeUrl(s), { username: "bob", password: "bob-demo-password" });
    assert.ok(new URL(other).searchParams.get("code"), "another user is not affected");
  }));

test("a password typed into the username box is kept nowhere (audit log, store); a failure names only an account that exists", () =>
  withServer(async (s) => {
    const typed = "Tr0ub4dor.and.3.staples";
    const attempt = async (username: string, password: string) => {
      const b = new FormBrowser();
      const form = formOf(await (await b.get(authorizeUrl(s))).text())!;
      const r = await b.post(form.action, { ...form.fields, username, password });
      await r.body?.cancel();
      return r.status;
    };
    assert.equal(await attempt(typed, "alice"), 401);
    assert.equal(await attempt("alice", "wrong-password-1"), 401);
    const failed = s.audit.events.filter((e) => e.type === "login_failed");
    assert.deepEqual(
      failed.map((e) => [e.subject, e.outcome]),
      [
        [undefined, "bad_credentials"],
        ["alice", "bad_credentials"],
      ],
    );
    assert.ok(!JSON.stringify(s.audit.events).includes(typed), "the audit log does not hold it");
    const store = s.as.store as MemoryAuthStore;
    for (const kind of ["counter", "session", "replay", "secret", "client", "code", "consent"] as const)
      assert.ok(!JSON.stringify(store.list(kind, "")).includes(typed), `the store's ${kind} records do not hold it`);
    // A name that does not exist is still locked out (its counter is keyed by a hash), and answered alike.
    for (let i = 0; i < 9; i++) assert.equal(await attempt("nobody.here", `guess-${i}`), 401);
    assert.equal(await attempt(" Nobody.Here", "guess-9"), 401);
    assert.equal(await attempt("nobody.here", "guess-10"), 429);
    assert.equal(await attempt("alice", "alice-demo-password"), 200, "alice is not affected: the consent page");
  }));

test("a refused refresh (a scope it cannot add, another resource) leaves the token as it was: no rotation, no later reuse alarm", () =>
  withServer(
    async (s) => {
      const t = (await exchange(s, await code(s))).body;
      for (const extra of [{ scope: "mcp:read mcp:write" }, { resource: "https://elsewhere.example/mcp" }] as Record<string, string>[]) {
        const r = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app", ...extra });
        assert.equal(r.status, 400);
      }
      await new Promise((r) => setTimeout(r, 400)); // past the grace window
      const ok = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(ok.status, 200, "the token was never rotated, so this is not a reuse");
    },
    { refreshGraceSec: 0.2 },
  ));

test("revoking a grant ends every refresh family of it, however many sign-ins made them", () =>
  withServer(async (s) => {
    const first = (await exchange(s, await code(s))).body;
    const second = (await exchange(s, await code(s))).body;
    const [grant] = await s.as.grants("alice");
    assert.ok(await s.as.revokeGrant("alice", grant!.id));
    for (const t of [first, second]) {
      const r = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(r.body.error, "invalid_grant");
      assert.equal(await mcpStatus(s, t.access_token!), 401);
    }
  }));

test("clients anyone can create (CIMD, DCR) get errors on a page, not a redirect; unsafe redirect schemes are refused", async () => {
  const doc = { client_id: "https://client.example/c.json", client_name: "Doc", redirect_uris: ["https://evil.example/landing"] };
  const fakeFetch = (async () => new Response(JSON.stringify(doc), { headers: { "content-type": "application/json" } })) as typeof fetch;
  await withServer(
    async (s) => {
      const r = await fetch(authorizeUrl(s, { client_id: doc.client_id, redirect_uri: doc.redirect_uris[0], response_type: "token" }), {
        redirect: "manual",
      });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get("location"), null, "no automatic redirect to the attacker's URI");
      for (const bad of ["javascript:alert(1)", "data:text/html,x", "http://public.example/cb", "file:///etc/passwd"]) {
        const reg = await fetch(`${s.as.issuer}/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_name: "x", redirect_uris: [bad], token_endpoint_auth_method: "none" }),
        });
        assert.equal(reg.status, 400, bad);
      }
      const native = await fetch(`${s.as.issuer}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_name: "x",
          redirect_uris: ["com.example.app:/cb", "http://127.0.0.1/cb"],
          token_endpoint_auth_method: "none",
        }),
      });
      assert.equal(native.status, 201);
    },
    { cimd: { fetch: fakeFetch }, dcr: true },
  );
});

test("a code presented by another client is refused without burning it for its own client", () =>
  withServer(
    async (s) => {
      const c = await code(s);
      const thief = await tokenRequest(
        s,
        { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT },
        { authorization: `Basic ${btoa("robot:robot-secret-0123456789")}` },
      );
      assert.equal(thief.body.error, "invalid_grant");
      assert.equal((await exchange(s, c)).status, 200);
    },
    {
      clients: [
        { clientId: "app", redirectUris: ["http://127.0.0.1/callback"] },
        { clientId: "robot", clientSecret: "robot-secret-0123456789", grantTypes: ["authorization_code"], redirectUris: [REDIRECT] },
      ],
    },
  ));

test("role changes and removals reach refreshes and sign-in sessions (with a UserAuthenticator that can look users up)", async () => {
  const people = new Map([["dana", { id: "dana", roles: ["writer"] }]]);
  const users = {
    verifyPassword: async (u: string, p: string) => (p === `${u}-demo-password` ? people.get(u) : undefined),
    lookup: async (id: string) => people.get(id),
  };
  await withServer(
    async (s) => {
      const p = pkce();
      const loc = new URL(
        await new FormBrowser().authorize(authorizeUrl(s, { code_challenge: p.challenge, scope: "mcp:read mcp:write" }), {
          username: "dana",
          password: "dana-demo-password",
        }),
      );
      const t = (await exchange(s, { code: loc.searchParams.get("code")!, verifier: p.verifier })).body;
      assert.equal(t.scope, "mcp:read mcp:write");
      people.set("dana", { id: "dana", roles: ["reader"] });
      const demoted = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: t.refresh_token!, client_id: "app" });
      assert.equal(demoted.body.scope, "mcp:read", "the refresh carries only what the roles allow now");
      people.delete("dana");
      const gone = await tokenRequest(s, { grant_type: "refresh_token", refresh_token: demoted.body.refresh_token!, client_id: "app" });
      assert.equal(gone.body.error, "invalid_grant");
    },
    { users },
  );
});

test("the sign-in cookies are scoped to /authorize, so a loopback client's listener on the same host never gets them", () =>
  withServer(async (s) => {
    const b = new FormBrowser();
    const page = await (await b.get(authorizeUrl(s))).text();
    const form = formOf(page)!;
    const r = await fetch(form.action, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: s.as.issuer,
        cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
      body: new URLSearchParams({ ...form.fields, username: "alice", password: "alice-demo-password" }),
    });
    const cookies = r.headers.getSetCookie();
    assert.ok(cookies.length >= 1);
    for (const c of cookies) assert.match(c, /; Path=\/authorize; .*HttpOnly; SameSite=Lax/);
  }));

test("hostile details: unknown grant types, jwt-bearer from a public client, a foreign Host, IdP groups named after Object's properties", () =>
  withServer(
    async (s) => {
      const odd = await tokenRequest(s, { grant_type: "urn:example:magic", client_id: "app" });
      assert.equal(odd.body.error, "unsupported_grant_type");
      const pub = await tokenRequest(s, { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", client_id: "app", assertion: "x" });
      assert.ok(["unauthorized_client", "unsupported_grant_type"].includes(pub.body.error!));
      const port = new URL(s.as.issuer).port;
      const rebound = await new Promise<number>((resolve) => {
        import("node:http").then(({ request }) =>
          request(
            { host: "127.0.0.1", port, path: "/.well-known/oauth-authorization-server", headers: { host: "evil.example" } },
            (res) => {
              res.resume();
              resolve(res.statusCode!);
            },
          ).end(),
        );
      });
      assert.equal(rebound, 403);
    },
    { groupRoles: { engineering: ["writer"] } },
  ));

test("revocation (RFC 7009): an access token, whatever the hint, stops working at the resource server; another client's token is left alone", () =>
  withServer(async (s) => {
    const t = (await exchange(s, await code(s))).body;
    const revoke = (token: string, extra: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${s.as.issuer}/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ token, ...extra }),
      });
    const other = await revoke(t.access_token!, {}, { authorization: `Basic ${btoa("robot:robot-secret-0123456789")}` });
    assert.equal(other.status, 200, "always 200");
    assert.equal(await mcpStatus(s, t.access_token!), 200, "another client cannot revoke it");
    assert.equal((await revoke(t.access_token!, { client_id: "app", token_type_hint: "refresh_token" })).status, 200);
    assert.equal(await mcpStatus(s, t.access_token!), 401);
    assert.equal((await revoke("garbage", { client_id: "app" })).status, 200);
  }));

/**
 * The embedded authorization server against the Trellis OAuth client: the authorization code flow (pre-registered,
 * Client ID Metadata Document, Dynamic Client Registration), roles limiting scopes, step-up, refresh.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createServer } from "node:http";
import { OAuthClient, clientCredentialsFlow, enterpriseFlow } from "../../../src/auth/index.js";
import { mcpClient, protectedServer, userClient } from "../../fixtures/auth-server.js";
import { formOf } from "../../fixtures/form-browser.js";

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

test("authorization code with a pre-registered client: sign-in and consent pages, a token for this resource with the default scopes", async () => {
  const s = await protectedServer();
  try {
    const pages: string[] = [];
    const { auth } = userClient("alice", {}, {}, (html) => pages.push(html));
    const client = await mcpClient(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    await client.close();
    const issued = s.audit.events.find((e) => e.type === "token_issued")!;
    assert.deepEqual([issued.subject, issued.clientId, issued.resource, issued.scopes], ["alice", "app", s.url, ["mcp:read"]]);
    assert.ok(s.audit.events.some((e) => e.type === "login" && e.subject === "alice"));
    assert.ok(s.audit.events.some((e) => e.type === "consent" && e.subject === "alice"));
    assert.equal(pages.length, 2);
    assert.match(pages[0]!, /name="username"[\s\S]*name="password"/);
    assert.match(pages[1]!, /Test app[\s\S]*<code>mcp:read<\/code>[\s\S]*value="approve"/);
  } finally {
    await s.close();
  }
});

test("step-up: a 403 for mcp:write brings a token with it when alice's roles allow; bob is refused", async () => {
  const s = await protectedServer();
  try {
    const alice = await mcpClient(s.url, userClient("alice").auth);
    assert.equal(text(await alice.callTool("write_note", {})), "written");
    assert.equal(text(await alice.callTool("whoami", {})), "alice mcp:read,mcp:write");
    await alice.close();
    const bob = await mcpClient(s.url, userClient("bob").auth);
    assert.equal(text(await bob.callTool("whoami", {})), "bob mcp:read");
    await assert.rejects(bob.callTool("write_note", {}), /mcp:write/);
    assert.equal(text(await bob.callTool("whoami", {})), "bob mcp:read", "the session goes on");
    await bob.close();
  } finally {
    await s.close();
  }
});

test("a Client ID Metadata Document client: the document is fetched once, its redirect URIs used, its name shown", async () => {
  const doc = {
    client_id: "https://client.example/meta.json",
    client_name: "Doc Client",
    redirect_uris: ["http://127.0.0.1/callback"],
    token_endpoint_auth_method: "none",
  };
  const fetched: string[] = [];
  const fakeFetch = (async (url: string | URL) => {
    fetched.push(String(url));
    return new Response(JSON.stringify(doc), { headers: { "content-type": "application/json", "cache-control": "max-age=600" } });
  }) as typeof fetch;
  const s = await protectedServer({ cimd: { fetch: fakeFetch } });
  try {
    const pages: string[] = [];
    const { auth } = userClient("alice", { client: undefined, clientMetadataUrl: doc.client_id }, {}, (html) => pages.push(html));
    const client = await mcpClient(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    await client.close();
    assert.deepEqual(fetched, [doc.client_id]);
    assert.match(pages[1]!, /Doc Client[\s\S]*client\.example/);
    assert.equal(s.audit.events.find((e) => e.type === "token_issued")!.clientId, doc.client_id);
  } finally {
    await s.close();
  }
});

test("Dynamic Client Registration: off by default (404); when on, a client registers and completes the flow", async () => {
  const off = await protectedServer();
  try {
    const r = await fetch(`${off.as.issuer}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(r.status, 404);
    assert.equal((await (await fetch(`${off.as.issuer}/.well-known/oauth-authorization-server`)).json()).registration_endpoint, undefined);
  } finally {
    await off.close();
  }
  const s = await protectedServer({ dcr: true, cimd: false });
  try {
    const { auth } = userClient("bob", { client: undefined, clientMetadata: { client_name: "Registered" } });
    const client = await mcpClient(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "bob mcp:read");
    await client.close();
    assert.match(s.audit.events.find((e) => e.type === "token_issued")!.clientId!, /^dcr_/);
  } finally {
    await s.close();
  }
});

test("Dynamic Client Registration is rate-limited", async () => {
  const s = await protectedServer({ dcr: { perMinute: 3 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${s.as.issuer}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "x", redirect_uris: ["http://127.0.0.1/cb"], token_endpoint_auth_method: "none" }),
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
  } finally {
    await s.close();
  }
});

test("client credentials: with a secret, and with private_key_jwt; no refresh token; the machine's roles decide its scopes", async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const s = await protectedServer({
    clients: [
      { clientId: "robot", clientSecret: "robot-secret-0123456789", roles: ["reader"] },
      { clientId: "signer", jwks: { keys: [jwk as never] }, roles: ["writer"] },
    ],
  });
  try {
    const robot = await mcpClient(
      s.url,
      new OAuthClient({ flow: clientCredentialsFlow({ clientId: "robot", clientSecret: "robot-secret-0123456789" }) }),
    );
    assert.equal(text(await robot.callTool("whoami", {})), "client:robot mcp:read");
    await assert.rejects(robot.callTool("write_note", {}), /mcp:write/);
    await robot.close();
    const signer = await mcpClient(
      s.url,
      new OAuthClient({
        flow: clientCredentialsFlow({ clientId: "signer", clientKey: { key: privateKey, kid: "k1", algorithm: "ES256" } }),
      }),
    );
    assert.equal(text(await signer.callTool("write_note", {})), "written");
    await signer.close();
    const raw = await fetch(`${s.as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("robot:robot-secret-0123456789")}` },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: s.url }),
    });
    const body = await raw.json();
    assert.equal(raw.headers.get("cache-control"), "no-store");
    assert.deepEqual([body.token_type, body.scope, body.refresh_token], ["Bearer", "mcp:read", undefined]);
    const wrong = await fetch(`${s.as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("robot:wrong-secret-000000")}` },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: s.url }),
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error, "invalid_client");
  } finally {
    await s.close();
  }
});

/** A test enterprise IdP: RFC 8693 token exchange of an ID token for an ID-JAG, signed with its own key. */
async function testIdp(asIssuer: () => string, claims: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "idp-1", alg: "RS256" };
  const http = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    const p = new URLSearchParams(body);
    const now = Math.floor(Date.now() / 1000);
    const jag = await new SignJWT({
      client_id: "agent",
      resource: p.get("resource"),
      scope: p.get("scope") ?? undefined,
      groups: ["engineering"],
      jti: crypto.randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", typ: "oauth-id-jag+jwt", kid: "idp-1" })
      .setIssuer(issuer)
      .setSubject("carol@example.com")
      .setAudience(p.get("audience") ?? asIssuer())
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        access_token: jag,
        issued_token_type: "urn:ietf:params:oauth:token-type:id-jag",
        token_type: "N_A",
        expires_in: 300,
      }),
    );
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  return { issuer, jwks: { keys: [jwk] }, privateKey, close: () => new Promise((r) => http.close(r)) };
}

test("enterprise-managed (ID-JAG): the IdP's grant becomes a token whose scopes its groups allow; the decision is audited", async () => {
  let asIssuer = "";
  const idp = await testIdp(() => asIssuer);
  const s = await protectedServer({
    clients: [{ clientId: "agent", clientSecret: "agent-secret-0123456789", grantTypes: ["urn:ietf:params:oauth:grant-type:jwt-bearer"] }],
    trustedIdps: [{ issuer: idp.issuer, jwks: idp.jwks as never, name: "corp" }],
    groupRoles: { engineering: ["writer"] },
  });
  asIssuer = s.as.issuer;
  try {
    const flow = enterpriseFlow({
      clientId: "agent",
      clientSecret: "agent-secret-0123456789",
      idp: { tokenEndpoint: `${idp.issuer}/token`, clientId: "agent-at-idp", idToken: "an-id-token" },
    });
    const client = await mcpClient(s.url, new OAuthClient({ flow }));
    assert.equal(text(await client.callTool("write_note", {})), "written");
    assert.match(text(await client.callTool("whoami", {})), /^idp:corp:carol@example\.com /);
    await client.close();
    const issued = s.audit.events.find((e) => e.type === "token_issued")!;
    assert.equal(issued.idp, idp.issuer);
    assert.equal((issued.detail as { idpSubject: string }).idpSubject, "carol@example.com");
    assert.deepEqual((issued.detail as { groups: string[] }).groups, ["engineering"]);
  } finally {
    await s.close();
    await idp.close();
  }
});

test("DPoP: a client that sends proofs gets a DPoP-bound token, and the MCP endpoint checks proof and binding on every request", async () => {
  const s = await protectedServer({ dpop: { required: true } });
  try {
    const { auth } = userClient("alice");
    const client = await mcpClient(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    await client.close();
    assert.equal(s.audit.events.find((e) => e.type === "token_issued")!.detail!.dpop, true);
    const meta = await (await fetch(`${s.as.issuer}/.well-known/oauth-authorization-server`)).json();
    assert.equal(meta.dpop_bound_access_tokens_required, true);
  } finally {
    await s.close();
  }
});

test("DPoP with server nonces: the client retries with the nonce it is given and gets a bound token", async () => {
  const s = await protectedServer({ dpop: { required: true, requireNonce: true } });
  try {
    const client = await mcpClient(s.url, userClient("alice").auth);
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    await client.close();
    const refused = s.audit.events.filter((e) => e.type === "token_refused").map((e) => e.outcome);
    assert.ok(refused.includes("use_dpop_nonce"), "the first proof had no nonce and was answered with one");
    assert.equal(s.audit.events.filter((e) => e.type === "token_issued").length, 1);
  } finally {
    await s.close();
  }
});

test("a user lists what they approved at /grants and revokes it: the client's tokens stop working", async () => {
  const s = await protectedServer();
  try {
    const { auth, browser } = userClient("alice");
    const client = await mcpClient(s.url, auth);
    await client.callTool("whoami", {});
    const page = await (await browser.get(`${s.as.issuer}/authorize/grants`)).text();
    assert.match(page, /Test app[\s\S]*mcp:read[\s\S]*Revoke/);
    assert.deepEqual(
      (await s.as.grants("alice")).map((g) => [g.clientId, g.resource, g.scopes]),
      [["app", s.url, ["mcp:read"]]],
    );
    const form = formOf(page)!;
    const csrfless = await browser.post(form.action, { grant: form.fields.grant! });
    assert.equal(csrfless.status, 403, "the revoke form needs its CSRF token too");
    const r = await browser.post(form.action, form.fields);
    assert.equal(r.status, 303);
    assert.deepEqual(await s.as.grants("alice"), []);
    assert.ok(s.audit.events.some((e) => e.type === "grant_revoked" && e.subject === "alice"));
    // The access token and refresh token died with the grant: the next call goes back through consent.
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    assert.equal(s.audit.events.filter((e) => e.type === "consent").length, 2, "approved again");
    assert.ok(
      s.audit.events.some((e) => e.type === "token_refused" && e.grantType === "refresh_token"),
      "the refresh token was refused",
    );
    await client.close();
    const anonymous = await fetch(`${s.as.issuer}/authorize/grants`);
    assert.equal(anonymous.status, 401);
  } finally {
    await s.close();
  }
});

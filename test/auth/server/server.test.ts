import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationServer } from "../../../src/auth/server/index.js";

test("configuration is checked at once, with the rule in the message", () => {
  assert.throws(
    () => new AuthorizationServer({ store: "memory", issuer: "http://as.example.com" }),
    /must be https \(http only on loopback\)/,
  );
  assert.throws(() => new AuthorizationServer({ store: "memory", issuer: "https://as.example.com/path" }), /an origin/);
  assert.throws(() => new AuthorizationServer({ store: "memory", issuer: "https://as.example.com/" }), /trailing slash/);
  assert.throws(() => new AuthorizationServer({ store: "memory", roles: { r: ["a b"] } }), /scope names without spaces/);
  assert.throws(() => new AuthorizationServer({ store: "memory", resources: [{ uri: "nope" }] }), /absolute URL/);
  assert.throws(() => new AuthorizationServer({ store: "memory" }).issuer, /issuer is not set/);
});

test("metadata (RFC 8414) says what the server does; unknown paths 404; wrong methods 405; API endpoints answer CORS preflights", async () => {
  const as = new AuthorizationServer({
    store: "memory",
    audit: false,
    issuer: "https://as.example.com",
    resources: [{ uri: "https://mcp.example.com/mcp", scopes: ["read", "write"], defaultScopes: ["read"] }],
  });
  const meta = as.metadata();
  assert.equal(meta.issuer, "https://as.example.com");
  assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(meta.scopes_supported, ["read", "write"]);
  assert.equal(meta.authorization_response_iss_parameter_supported, true);
  assert.equal(meta.client_id_metadata_document_supported, true);
  assert.equal(meta.registration_endpoint, undefined, "DCR is off by default");
  assert.ok(
    !(meta.grant_types_supported as string[]).includes("urn:ietf:params:oauth:grant-type:jwt-bearer"),
    "no IdP trusted, no jwt-bearer",
  );
  const get = (p: string, init?: RequestInit) => as.fetch(new Request(`https://as.example.com${p}`, init));
  assert.equal((await get("/.well-known/oauth-authorization-server")).status, 200);
  assert.equal((await get("/nope")).status, 404);
  assert.equal((await get("/token")).status, 405);
  const pre = await get("/token", { method: "OPTIONS" });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  const jwks = await (await get("/jwks")).json();
  assert.equal(jwks.keys.length, 1);
  const noUsers = await get("/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=authorization_code&client_id=nobody",
  });
  assert.equal((await noUsers.json()).error, "invalid_client");
});

test("two servers on one store (two nodes of a cluster) share DCR's rate, DPoP nonces and the DPoP replay cache", async () => {
  const { MemoryAuthStore } = await import("../../../src/stores/memory/auth-store.js");
  const { SignJWT, exportJWK, generateKeyPair } = await import("jose");
  const store = new MemoryAuthStore();
  const node = () =>
    new AuthorizationServer({
      store,
      audit: false,
      issuer: "https://as.example.com",
      dcr: { perMinute: 3 },
      dpop: { requireNonce: true },
      roles: { reader: ["read"] },
      clients: [
        { clientId: "m2m", clientSecret: "a-long-enough-client-secret-for-tests", grantTypes: ["client_credentials"], roles: ["reader"] },
      ],
      resources: [{ uri: "https://mcp.example.com/mcp", scopes: ["read"], defaultScopes: ["read"] }],
    });
  const [a, b] = [node(), node()];
  const register = (as: AuthorizationServer) =>
    as.fetch(
      new Request("https://as.example.com/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: "x", redirect_uris: ["http://127.0.0.1/cb"], token_endpoint_auth_method: "none" }),
      }),
    );
  const statuses = [];
  for (const as of [a, b, a, b]) statuses.push((await register(as)).status);
  assert.deepEqual(statuses, [201, 201, 201, 429], "one window across both nodes");

  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const proof = (nonce?: string, jti = crypto.randomUUID()) =>
    new SignJWT({ htu: "https://as.example.com/token", htm: "POST", jti, ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
      .setIssuedAt()
      .sign(privateKey);
  const token = async (as: AuthorizationServer, dpop: string) => {
    const r = await as.fetch(
      new Request("https://as.example.com/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from("m2m:a-long-enough-client-secret-for-tests").toString("base64")}`,
          dpop,
        },
        body: "grant_type=client_credentials&resource=https%3A%2F%2Fmcp.example.com%2Fmcp",
      }),
    );
    return { status: r.status, nonce: r.headers.get("dpop-nonce"), body: (await r.json()) as Record<string, string> };
  };
  const first = await token(a, await proof());
  assert.equal(first.body.error, "use_dpop_nonce");
  const p = await proof(first.nonce!);
  const onB = await token(b, p);
  assert.equal(onB.status, 200, `a nonce from node A is good on node B: ${JSON.stringify(onB.body)}`);
  assert.equal(onB.body.token_type, "DPoP");
  const replay = await token(a, p);
  assert.deepEqual([replay.status, replay.body.error], [400, "invalid_dpop_proof"], "a proof used on B is a replay on A");
});

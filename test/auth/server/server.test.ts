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

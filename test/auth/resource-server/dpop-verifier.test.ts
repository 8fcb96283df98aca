/**
 * Attack #12: the resource server checks what kind of JWT it is given (typ at+jwt, RFC 9068), refuses a DPoP-bound
 * token presented as a plain Bearer token, and checks every DPoP proof (RFC 9449 section 7): key, signature, htm,
 * htu, iat, jti (once), ath, cnf.jkt, and the server's nonce when it asks for one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { McpServer } from "../../../src/server/index.js";
import { StreamableHttpHandler } from "../../../src/transports/http/index.js";
import { JwtTokenVerifier, OAuthClient, clientCredentialsFlow, type DpopOptions, bearerAuth } from "../../../src/auth/index.js";
import { connect, setup } from "../../fixtures/protected-server.js";
import { ENDPOINT, INITIALIZE, post } from "../../fixtures/http-requests.js";

const URL_ = ENDPOINT;
const ISSUER = "https://as.example";
const issuerKey = await generateKeyPair("ES256");
const jwks = { keys: [{ ...(await exportJWK(issuerKey.publicKey)), kty: "EC", kid: "k", alg: "ES256" }] };
const clientKey = await generateKeyPair("ES256", { extractable: true });
const clientJwk = await exportJWK(clientKey.publicKey);
const jkt = await calculateJwkThumbprint(clientJwk, "sha256");
const thief = await generateKeyPair("ES256", { extractable: true });

function token(claims: Record<string, unknown> = {}, typ: string | null = "at+jwt") {
  return new SignJWT({ scope: "mcp", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "k", ...(typ ? { typ } : {}) })
    .setIssuer(ISSUER)
    .setAudience(URL_)
    .setSubject("alice")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(issuerKey.privateKey);
}

async function proof(accessToken: string, over: Record<string, unknown> = {}, key = clientKey, header: Record<string, unknown> = {}) {
  const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken))));
  return new SignJWT({ htm: "POST", htu: URL_, ath, jti: crypto.randomUUID(), ...over })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: (await exportJWK(key.publicKey)) as JWK, ...header })
    .setIssuedAt(typeof over.iat === "number" ? over.iat : undefined)
    .sign(key.privateKey);
}

function handler(verifier = new JwtTokenVerifier({ issuer: ISSUER, audience: URL_, jwks }), dpop?: DpopOptions) {
  const server = new McpServer({ name: "dpop", version: "1" });
  return new StreamableHttpHandler(server, { auth: bearerAuth({ verifier, resource: URL_, authorizationServers: [ISSUER], dpop }) });
}

/** init opens a session with the given Authorization header and DPoP proof. */
async function init(h: StreamableHttpHandler, authorization: string, dpopProof?: string) {
  const r = await post(h, INITIALIZE, { headers: { authorization, ...(dpopProof ? { dpop: dpopProof } : {}) } });
  return { ...r, nonce: r.headers.get("dpop-nonce") };
}

test("attack #12: typ must be at+jwt by default; configurable for issuers that set something else", async () => {
  const h = handler();
  assert.equal((await init(h, `Bearer ${await token()}`)).status, 200);
  assert.equal((await init(h, `Bearer ${await token({}, "application/at+jwt")}`)).status, 200);
  for (const typ of ["JWT", null, "dpop+jwt"]) {
    const r = await init(h, `Bearer ${await token({}, typ)}`);
    assert.equal(r.status, 401, String(typ));
    assert.match(r.challenge, /error="invalid_token", error_description="the access token's typ header is .*not 'at\+jwt' \(RFC 9068\)/);
  }
  const lenient = handler(new JwtTokenVerifier({ issuer: ISSUER, audience: URL_, jwks, typ: ["at+jwt", "JWT"] }));
  assert.equal((await init(lenient, `Bearer ${await token({}, "JWT")}`)).status, 200);
  const off = handler(new JwtTokenVerifier({ issuer: ISSUER, audience: URL_, jwks, typ: false }));
  assert.equal((await init(off, `Bearer ${await token({}, null)}`)).status, 200);
  await h.close();
});

test("attack #12: a DPoP-bound token presented as Bearer is refused; with a proof by its key it is accepted", async () => {
  const h = handler();
  const bound = await token({ cnf: { jkt } });
  const stolen = await init(h, `Bearer ${bound}`);
  assert.equal(stolen.status, 401);
  assert.match(stolen.challenge, /^DPoP .*error="invalid_token", error_description="the access token is bound to a DPoP key/);
  assert.match(stolen.challenge, /algs="ES256 ES384 PS256 RS256 EdDSA"/);
  assert.equal((await init(h, `DPoP ${bound}`, await proof(bound))).status, 200);
  // An unbound token is not a DPoP token.
  const plain = await token();
  assert.match((await init(h, `DPoP ${plain}`, await proof(plain))).challenge, /not bound to a DPoP key; present it as a Bearer token/);
  await h.close();
});

test("attack #12: each broken proof is refused with invalid_dpop_proof and a reason", async () => {
  const h = handler();
  const bound = await token({ cnf: { jkt } });
  const now = Math.floor(Date.now() / 1000);
  const replayed = await proof(bound);
  assert.equal((await init(h, `DPoP ${bound}`, replayed)).status, 200);
  const cases: { name: string; proof: () => Promise<string> | string; why: RegExp }[] = [
    { name: "no proof", proof: () => "", why: /exactly one DPoP header/ },
    { name: "two proofs", proof: async () => `${await proof(bound)}, ${await proof(bound)}`, why: /exactly one DPoP header/ },
    { name: "replayed jti", proof: () => replayed, why: /already used \(jti replayed\)/ },
    { name: "another method", proof: () => proof(bound, { htm: "GET" }), why: /is for "GET", not POST/ },
    { name: "another URL", proof: () => proof(bound, { htu: "https://evil.example/mcp" }), why: /htu .* is not this endpoint/ },
    { name: "old", proof: () => proof(bound, { iat: now - 3600 }), why: /not fresh/ },
    { name: "from the future", proof: () => proof(bound, { iat: now + 3600 }), why: /not fresh/ },
    {
      name: "another token",
      proof: async () => proof(await token({ cnf: { jkt }, jti: "other" })),
      why: /not for this access token \(ath\)/,
    },
    { name: "the thief's key", proof: () => proof(bound, {}, thief), why: /another key than the one the token is bound to/ },
    { name: "wrong typ", proof: () => proof(bound, {}, clientKey, { typ: "JWT" }), why: /DPoP proof is invalid/ },
    {
      name: "private key in header",
      proof: async () => proof(bound, {}, clientKey, { jwk: await exportJWK(clientKey.privateKey) }),
      why: /DPoP proof is invalid/,
    },
    { name: "no jti", proof: () => proof(bound, { jti: undefined }), why: /needs a unique jti/ },
    { name: "garbage", proof: () => "not.a.jwt", why: /DPoP proof is invalid/ },
  ];
  for (const c of cases) {
    const p = await c.proof();
    const r = await init(h, `DPoP ${bound}`, p || undefined);
    assert.equal(r.status, 401, c.name);
    assert.match(r.challenge, /^DPoP /, c.name);
    assert.match(r.challenge, /error="invalid_dpop_proof"/, c.name);
    assert.match(r.body.error.message, c.why, c.name);
  }
  await h.close();
});

test("attack #12: with nonces required, a proof without the server's nonce gets use_dpop_nonce and DPoP-Nonce; with it, it passes", async () => {
  const h = handler(undefined, { requireNonce: true, required: true });
  const bound = await token({ cnf: { jkt } });
  const first = await init(h, `DPoP ${bound}`, await proof(bound));
  assert.equal(first.status, 401);
  assert.match(first.challenge, /error="use_dpop_nonce"/);
  assert.ok(first.nonce);
  assert.equal((await init(h, `DPoP ${bound}`, await proof(bound, { nonce: first.nonce }))).status, 200);
  assert.match((await init(h, `DPoP ${bound}`, await proof(bound, { nonce: "1.forged" }))).challenge, /use_dpop_nonce/);
  // DPoP required: a plain Bearer token is refused, and the challenge says DPoP.
  const r = await init(h, `Bearer ${await token()}`);
  assert.equal(r.status, 401);
  assert.match(r.challenge, /^DPoP resource_metadata=/);
  await h.close();
});

test("DPoP end to end: the Trellis OAuth client gets a bound token and its proofs pass the Trellis resource server, nonces included", async () => {
  const s = await setup({ clients: [{ id: "svc", secret: "s3cret" }] }, undefined, { dpop: { required: true, requireNonce: true } });
  try {
    const auth = new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc", clientSecret: "s3cret" }) });
    const client = await connect(s.url, auth);
    const r = await client.callTool("whoami", {});
    assert.equal((r.content[0] as { text: string }).text, "svc mcp");
    assert.equal((await auth.tokens(s.url))!.tokenType, "DPoP");
    await client.close();
  } finally {
    await s.close();
  }
});

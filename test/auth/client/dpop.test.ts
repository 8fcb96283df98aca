/** DPoP proofs (RFC 9449 section 4.2): what each proof says, that each is fresh, and that nonces are carried. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, base64url, type JWK } from "jose";
import { DpopKey } from "../../../src/auth/client/dpop.js";
import { parseWwwAuthenticate } from "../../../src/auth/client/discovery.js";

test("a DPoP proof names the method, the URL without query, the token hash; each has its own jti", async () => {
  const key = await DpopKey.create();
  const url = new URL("https://mcp.example.com/mcp?x=1#frag");
  const p1 = await key.proof("POST", url, "token-abc");
  const p2 = await key.proof("POST", url, "token-abc");
  const header = decodeProtectedHeader(p1);
  assert.equal(header.typ, "dpop+jwt");
  assert.equal(header.alg, "ES256");
  const jwk = header.jwk as JWK;
  assert.equal(jwk.d, undefined, "no private key material in the header");
  assert.equal(await calculateJwkThumbprint(jwk, "sha256"), key.thumbprint);
  const { payload } = await jwtVerify(p1, await importJWK(jwk, "ES256"), { typ: "dpop+jwt" });
  assert.equal(payload.htm, "POST");
  assert.equal(payload.htu, "https://mcp.example.com/mcp");
  const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("token-abc"))));
  assert.equal(payload.ath, ath);
  assert.ok(typeof payload.iat === "number" && Math.abs(payload.iat - Date.now() / 1000) < 5);
  assert.notEqual((await jwtVerify(p2, await importJWK(jwk, "ES256"))).payload.jti, payload.jti);
  assert.equal(payload.nonce, undefined);
});

test("after a use_dpop_nonce challenge, proofs for that origin carry the server's nonce", async () => {
  const key = await DpopKey.create();
  const challenge = parseWwwAuthenticate('DPoP error="use_dpop_nonce", error_description="nonce required"');
  assert.equal(challenge?.dpop, true);
  assert.equal(challenge?.error, "use_dpop_nonce");
  key.rememberNonce(new URL("https://mcp.example.com/mcp"), "n-1");
  const jwk = decodeProtectedHeader(await key.proof("GET", new URL("https://mcp.example.com/mcp"), "t")).jwk as JWK;
  const withNonce = await jwtVerify(await key.proof("GET", new URL("https://mcp.example.com/mcp"), "t"), await importJWK(jwk, "ES256"));
  assert.equal(withNonce.payload.nonce, "n-1");
  const other = await jwtVerify(await key.proof("GET", new URL("https://other.example.com/mcp"), "t"), await importJWK(jwk, "ES256"));
  assert.equal(other.payload.nonce, undefined, "nonces are per origin");
});

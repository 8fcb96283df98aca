/** JwtTokenVerifier runs the TokenVerifier contract with a local key set (the HTTP security table is in bearer.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { JwtTokenVerifier } from "../../../src/auth/resource-server/jwt-verifier.js";
import { AUDIENCE, ISSUER, tokenVerifierContract } from "./verifier.contract.js";

const key = await generateKeyPair("ES256");
const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kty: "EC", kid: "k1", alg: "ES256" }] };
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt", ...header }).sign(key.privateKey);

tokenVerifierContract("JwtTokenVerifier", async () => ({
  verifier: new JwtTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks }),
  issue: (c) => sign(c),
}));

test("JwtTokenVerifier: an algorithm off the allow-list, a token without exp, and missing options are refused", async () => {
  const v = new JwtTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks, algorithms: ["RS256"] });
  const exp = Math.floor(Date.now() / 1000) + 60;
  await assert.rejects(
    v.verify(await sign({ iss: ISSUER, aud: AUDIENCE, sub: "a", exp })),
    /signature algorithm this server does not accept/,
  );
  const strict = new JwtTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks });
  await assert.rejects(strict.verify(await sign({ iss: ISSUER, aud: AUDIENCE, sub: "a" })), /"exp" claim/);
  assert.throws(
    () => new JwtTokenVerifier({ issuer: ISSUER, audience: AUDIENCE } as never),
    /new JwtTokenVerifier: "issuer", "audience" and "jwks" are required/,
  );
});

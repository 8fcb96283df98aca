/**
 * IntrospectionTokenVerifier runs the TokenVerifier contract against a stub RFC 7662 endpoint (the "token" is the
 * claims, base64url-encoded, so the stub can answer for any claims); answers are cached briefly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntrospectionTokenVerifier } from "../../../src/auth/resource-server/introspection-verifier.js";
import { AUDIENCE, tokenVerifierContract } from "./verifier.contract.js";

function stub() {
  const calls: { token: string; authorization: string | null }[] = [];
  const fetchFn: typeof fetch = async (_url, init) => {
    const token = new URLSearchParams(String(init?.body)).get("token")!;
    calls.push({ token, authorization: new Headers(init?.headers).get("authorization") });
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(token, "base64url").toString());
    } catch {
      return Response.json({ active: false });
    }
    return Response.json({ active: true, ...claims });
  };
  const verifier = new IntrospectionTokenVerifier({
    endpoint: "https://as.example.com/introspect",
    audience: AUDIENCE,
    clientId: "rs",
    clientSecret: "s3cret",
    fetch: fetchFn,
  });
  return { verifier, calls, issue: async (claims: Record<string, unknown>) => Buffer.from(JSON.stringify(claims)).toString("base64url") };
}

tokenVerifierContract("IntrospectionTokenVerifier", async () => stub());

test("IntrospectionTokenVerifier: authenticates as the resource server, caches a positive answer, refuses an inactive token", async () => {
  const s = stub();
  const token = await s.issue({
    iss: "https://as.example.com",
    aud: AUDIENCE,
    sub: "alice",
    scope: "mcp",
    exp: Math.floor(Date.now() / 1000) + 300,
  });
  await s.verifier.verify(token);
  await s.verifier.verify(token);
  assert.equal(s.calls.length, 1, "the second answer came from the cache");
  assert.equal(s.calls[0]!.authorization, `Basic ${btoa("rs:s3cret")}`);
  await assert.rejects(s.verifier.verify("!!"), /not active/);
});

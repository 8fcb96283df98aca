/**
 * The TokenVerifier contract (verifier.ts): a token issued for this server by the trusted issuer becomes an AuthInfo
 * (issuer, subject, client, scopes, expiry, DPoP binding); anything else is an InvalidTokenError with a reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidTokenError, type TokenVerifier } from "../../../src/auth/resource-server/verifier.js";

export const AUDIENCE = "https://mcp.example.com/mcp";
export const ISSUER = "https://as.example.com";

/** How a backend issues the tokens the contract presents: claims in, a token it will be shown. */
export interface TokenIssuer {
  verifier: TokenVerifier;
  issue(claims: Record<string, unknown>): Promise<string>;
  close?(): Promise<void> | void;
}

export function tokenVerifierContract(name: string, make: () => Promise<TokenIssuer>) {
  test(`${name}: a good token becomes the caller`, async () => {
    const t = await make();
    const exp = Math.floor(Date.now() / 1000) + 300;
    const info = await t.verifier.verify(
      await t.issue({ iss: ISSUER, aud: AUDIENCE, sub: "alice", client_id: "app", scope: "mcp admin", exp, cnf: { jkt: "thumb" } }),
    );
    assert.equal(info.issuer, ISSUER);
    assert.equal(info.subject, "alice");
    assert.equal(info.clientId, "app");
    assert.deepEqual(info.scopes, ["mcp", "admin"]);
    assert.equal(info.expiresAt, exp);
    assert.equal(info.dpopThumbprint, "thumb");
    await t.close?.();
  });

  test(`${name}: another audience, an expired token, garbage: InvalidTokenError with a reason`, async () => {
    const t = await make();
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string> | string, RegExp][] = [
      [
        "another audience",
        t.issue({ iss: ISSUER, aud: "https://other.example.com/mcp", sub: "alice", exp: now + 300 }),
        /not issued for this server \(aud\)/,
      ],
      ["expired", t.issue({ iss: ISSUER, aud: AUDIENCE, sub: "alice", exp: now - 3600 }), /expired/],
      ["garbage", "not-a-token", /./],
    ];
    for (const [what, token, reason] of cases) {
      await assert.rejects(
        t.verifier.verify(await token),
        (e: unknown) => e instanceof InvalidTokenError && e.code === "INVALID_TOKEN" && reason.test(e.message),
        what,
      );
    }
    await t.close?.();
  });
}

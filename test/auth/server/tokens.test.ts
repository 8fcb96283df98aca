import { test } from "node:test";
import assert from "node:assert/strict";
import { SigningKeys } from "../../../src/auth/server/keys.js";
import { Tokens } from "../../../src/auth/server/tokens.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

function tokens(graceSec = 0.2) {
  const store = new MemoryAuthStore();
  return new Tokens({
    issuer: () => "http://127.0.0.1:1",
    keys: new SigningKeys(store, 3_600_000, 3_600_000),
    store,
    accessTtlSec: 60,
    refreshTtlSec: 3600,
    graceSec,
  });
}
const base = { clientId: "app", subject: "alice", scopes: ["read"], resource: "http://mcp/", grantType: "authorization_code" };

test("access tokens: at+jwt for one audience; revoked by jti or with their family", async () => {
  const t = tokens();
  const { family } = await t.newFamily(base);
  const at = await t.accessToken({ ...base, familyId: family.id, jkt: "thumb" });
  const info = await t.verify(at.token, "http://mcp/");
  assert.deepEqual([info.subject, info.clientId, info.scopes, info.dpopThumbprint], ["alice", "app", ["read"], "thumb"]);
  await assert.rejects(t.verify(at.token, "http://other/"), /not issued for this server/);
  await t.revokeFamily(family.id);
  await assert.rejects(t.verify(at.token, "http://mcp/"), /grant this access token belongs to was revoked/);
  const lone = await t.accessToken(base);
  await t.revokeAccessToken(lone.jti, lone.expiresAt);
  await assert.rejects(t.verify(lone.token, "http://mcp/"), /revoked/);
  await assert.rejects(t.verify("not.a.jwt", "http://mcp/"), /not a valid JWT/);
});

test("refresh: each use rotates; a replaced token works within the grace window; after it, reuse revokes the family", async () => {
  const t = tokens(0.2);
  const { refreshToken: r0 } = await t.newFamily(base);
  const r1 = await t.rotate(r0);
  assert.ok(!("error" in r1));
  const again = await t.rotate(r0);
  assert.ok(!("error" in again), "inside the grace window");
  const third = await t.rotate(r0);
  assert.equal("error" in third && third.error, "reuse", "but only once: a third use is a copy");
  await new Promise((r) => setTimeout(r, 300));
  const reuse = await t.rotate(r0);
  assert.equal("error" in reuse && reuse.error, "invalid", "the family is already revoked");
  const after = await t.rotate((r1 as { refreshToken: string }).refreshToken);
  assert.equal("error" in after && after.error, "invalid", "the family is revoked");
  assert.equal("error" in (await t.rotate("garbage")) && "invalid", "invalid");
  assert.equal("error" in (await t.rotate(`${(r1 as { family: { id: string } }).family.id}.wrong`)) && "invalid", "invalid");
});

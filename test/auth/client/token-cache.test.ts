/** The token cache: what a token response becomes, and the store behind it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenCache } from "../../../src/auth/client/token-cache.js";
import { MemoryCredentialStore } from "../../../src/auth/client/credential-store.js";

const origin = { issuer: "https://as", resource: "https://mcp/mcp", scope: "mcp" };

test("take: Bearer with expiry and the requested scope when none is granted; a kept refresh token; read through the store", async () => {
  const store = new MemoryCredentialStore();
  const c = new TokenCache(store);
  const before = Date.now();
  await c.take("https://mcp/mcp", { access_token: "a1", token_type: "bearer", expires_in: 60, refresh_token: "r1" }, origin, undefined);
  const t = (await c.get("https://mcp/mcp"))!;
  assert.equal(t.tokenType, "Bearer");
  assert.equal(t.scope, "mcp");
  assert.ok(t.expiresAt! >= before + 60_000);
  await c.take("https://mcp/mcp", { access_token: "a2", token_type: "bearer", scope: "mcp admin" }, origin, undefined, t);
  assert.equal((await c.get("https://mcp/mcp"))!.refreshToken, "r1", "not rotated: kept");
  assert.equal((await new TokenCache(store).get("https://mcp/mcp"))!.accessToken, "a2", "a new cache reads the store");
  await c.drop("https://mcp/mcp");
  assert.equal(await c.get("https://mcp/mcp"), undefined);
  assert.equal(store.load("tokens https://mcp/mcp"), undefined);
});

test("take: a DPoP token records its key; one nobody asked for, or an unknown token type, is refused", async () => {
  const c = new TokenCache(new MemoryCredentialStore());
  await c.take("e", { access_token: "d", token_type: "dpop" }, origin, "thumb");
  assert.deepEqual([(await c.get("e"))!.tokenType, (await c.get("e"))!.dpopJkt], ["DPoP", "thumb"]);
  await assert.rejects(c.take("e", { access_token: "d", token_type: "dpop" }, origin, undefined), /a DPoP token that was not asked for/);
  await assert.rejects(c.take("e", { access_token: "d", token_type: "mac" } as never, origin, undefined), /issued a mac token/);
});

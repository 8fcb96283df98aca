import { test } from "node:test";
import assert from "node:assert/strict";
import { SigningKeys } from "../../../src/auth/server/keys.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

test("SigningKeys: one key until it is due, then a new one; the old stays published; keys survive a new instance on the same store", async () => {
  const store = new MemoryAuthStore();
  const keys = new SigningKeys(store, 60_000, 60_000);
  const now = Date.now();
  const a = await keys.current(now);
  assert.equal((await keys.current(now + 1000)).kid, a.kid);
  const b = await keys.current(now + 61_000);
  assert.notEqual(b.kid, a.kid);
  const jwks = await keys.jwks();
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [a.kid, b.kid].sort());
  assert.ok(
    jwks.keys.every((k) => k.d === undefined && k.alg === "ES256"),
    "only public parts are published",
  );
  const again = new SigningKeys(store, 60_000, 60_000);
  assert.equal((await again.current(now + 62_000)).kid, b.kid);
  assert.ok(await again.publicKey(a.kid));
  assert.equal(await again.publicKey("unknown"), undefined);
});

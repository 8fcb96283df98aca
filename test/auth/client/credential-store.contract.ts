/** The CredentialStore contract: every store keeps JSON values by key, returns them unchanged, and forgets on undefined. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CredentialStore } from "../../../src/auth/client/credential-store.js";

export function credentialStoreContract(name: string, make: () => CredentialStore) {
  test(`${name}: save and load JSON values by key; undefined forgets; keys are independent`, async () => {
    const s = make();
    const tokens = {
      accessToken: "a.b.c",
      tokenType: "Bearer",
      issuer: "https://as",
      resource: "https://mcp/mcp",
      expiresAt: 1_900_000_000_000,
      scope: "mcp admin",
    };
    assert.equal(await s.load("tokens https://mcp/mcp"), undefined);
    await s.save("tokens https://mcp/mcp", tokens);
    await s.save("client https://as", { clientId: "c-1", issuer: "https://as" });
    assert.deepEqual(await s.load("tokens https://mcp/mcp"), tokens);
    assert.deepEqual(await s.load("client https://as"), { clientId: "c-1", issuer: "https://as" });
    await s.save("tokens https://mcp/mcp", { ...tokens, accessToken: "d.e.f" });
    assert.equal(((await s.load("tokens https://mcp/mcp")) as { accessToken: string }).accessToken, "d.e.f");
    await s.save("tokens https://mcp/mcp", undefined);
    assert.equal(await s.load("tokens https://mcp/mcp"), undefined);
    assert.ok(await s.load("client https://as"), "another key is untouched");
  });
}

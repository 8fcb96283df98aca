/** The flow context: registrations kept under their issuer, and pre-registered credentials bound to one issuer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flowContext } from "../../../src/auth/client/flow-context.js";
import { MemoryCredentialStore } from "../../../src/auth/client/credential-store.js";
import type { OAuthHttp } from "../../../src/auth/client/flow.js";

const ctx = (issuer: string, store = new MemoryCredentialStore()) =>
  flowContext({
    as: { issuer, token_endpoint: `${issuer}/token` },
    prm: { resource: "https://mcp/mcp", authorization_servers: [issuer] },
    scope: "mcp",
    store,
    http: {} as OAuthHttp,
    httpFor: () => ({}) as OAuthHttp,
  });

test("registration: saved with its issuer, loaded only for it, forgotten on demand", async () => {
  const store = new MemoryCredentialStore();
  const a = ctx("https://as-a", store);
  await a.registration.save({ clientId: "c1" });
  assert.deepEqual(await a.registration.load(), { clientId: "c1", issuer: "https://as-a" });
  assert.equal(await ctx("https://as-b", store).registration.load(), undefined);
  store.save("client https://as-b", { clientId: "planted", issuer: "https://as-a" });
  assert.equal(await ctx("https://as-b", store).registration.load(), undefined, "a record naming another issuer is not used");
  await a.registration.forget();
  assert.equal(await a.registration.load(), undefined);
  assert.equal(a.resource, "https://mcp/mcp");
});

test("bind: a named issuer must match; otherwise the first issuer used is remembered and any other refused", async () => {
  const store = new MemoryCredentialStore();
  await ctx("https://as-a", store).bind("svc", "https://as-a/");
  await assert.rejects(
    ctx("https://as-b", store).bind("svc", "https://as-a"),
    /belong to https:\/\/as-a, but this server's authorization server is https:\/\/as-b/,
  );
  await ctx("https://as-a", store).bind("svc");
  await ctx("https://as-a", store).bind("svc");
  await assert.rejects(
    ctx("https://as-b", store).bind("svc"),
    /were first used with https:\/\/as-a; refusing to send them to https:\/\/as-b/,
  );
  await ctx("https://as-b", store).bind("other-client");
});

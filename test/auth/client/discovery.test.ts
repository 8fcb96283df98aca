import { test } from "node:test";
import assert from "node:assert/strict";
import {
  discoverAuthorizationServer,
  discoverProtectedResource,
  DiscoveryError,
  parseWwwAuthenticate,
  bearerAuth,
  JwtTokenVerifier,
} from "../../../src/auth/index.js";
import { authorizationServerMetadataUrls, protectedResourceMetadataUrls, resourceCovers } from "../../../src/auth/client/discovery.js";
import { selectScope } from "../../../src/auth/client/scopes.js";
import { McpServer } from "../../../src/server/index.js";
import { serveHttp } from "../../../src/transports/http/index.js";
import { startTestAuthServer } from "../../fixtures/test-auth-server.js";
import { freePort } from "../../helpers.js";

test("parseWwwAuthenticate reads Bearer and DPoP challenges", () => {
  const cases = [
    {
      header: 'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource", scope="a b"',
      want: { resourceMetadata: "https://x/.well-known/oauth-protected-resource", scope: "a b" },
    },
    {
      header: 'Bearer error="insufficient_scope", scope="files:read files:write", error_description="needs \\"write\\""',
      want: { error: "insufficient_scope", scope: "files:read files:write", errorDescription: 'needs "write"' },
    },
    { header: "bearer scope=mcp", want: { scope: "mcp" } },
    { header: 'Basic realm="x", Bearer scope="mcp"', want: { scope: "mcp" } },
    { header: "Bearer", want: {} },
    {
      header: 'DPoP error="use_dpop_nonce", resource_metadata="https://x/m"',
      want: { dpop: true, error: "use_dpop_nonce", resourceMetadata: "https://x/m" },
    },
    { header: 'Basic realm="x"', want: undefined },
    { header: null, want: undefined },
  ];
  for (const c of cases) assert.deepEqual(parseWwwAuthenticate(c.header), c.want, String(c.header));
});

test("discovery URLs follow the spec's priority order", () => {
  assert.deepEqual(protectedResourceMetadataUrls("https://example.com/public/mcp"), [
    "https://example.com/.well-known/oauth-protected-resource/public/mcp",
    "https://example.com/.well-known/oauth-protected-resource",
  ]);
  assert.deepEqual(protectedResourceMetadataUrls("https://example.com/mcp", "https://meta.example.com/prm"), [
    "https://meta.example.com/prm",
    "https://example.com/.well-known/oauth-protected-resource/mcp",
    "https://example.com/.well-known/oauth-protected-resource",
  ]);
  assert.deepEqual(protectedResourceMetadataUrls("https://example.com/"), ["https://example.com/.well-known/oauth-protected-resource"]);
  assert.deepEqual(authorizationServerMetadataUrls("https://auth.example.com/tenant1"), [
    "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
    "https://auth.example.com/.well-known/openid-configuration/tenant1",
    "https://auth.example.com/tenant1/.well-known/openid-configuration",
  ]);
  assert.deepEqual(authorizationServerMetadataUrls("https://auth.example.com"), [
    "https://auth.example.com/.well-known/oauth-authorization-server",
    "https://auth.example.com/.well-known/openid-configuration",
  ]);
});

test("resourceCovers: same origin and a path prefix", () => {
  assert.equal(resourceCovers("https://a.com/mcp", "https://a.com/mcp"), true);
  assert.equal(resourceCovers("https://a.com", "https://a.com/mcp"), true);
  assert.equal(resourceCovers("https://a.com/mc", "https://a.com/mcp"), false);
  assert.equal(resourceCovers("https://b.com/mcp", "https://a.com/mcp"), false);
});

test("selectScope: the challenge first, then scopes_supported, else omitted", () => {
  assert.equal(selectScope({ scope: "a" }, { scopes_supported: ["b"] }), "a");
  assert.equal(selectScope({}, { scopes_supported: ["b", "c"] }), "b c");
  assert.equal(selectScope(undefined, {}), undefined);
});

test("end to end against a Trellis resource server and a test AS: challenge -> PRM -> AS metadata", async () => {
  const as = await startTestAuthServer();
  const server = new McpServer({ name: "p", version: "1" });
  server.registerTool("t", {}, () => "");
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const http = await serveHttp(server, {
    port,
    eventStore: "memory",
    sessionStore: "memory",
    auth: bearerAuth({
      verifier: new JwtTokenVerifier({ issuer: as.issuer, audience: resource, jwks: `${as.issuer}/jwks` }),
      resource,
      authorizationServers: [as.issuer],
      requiredScopes: ["mcp"],
    }),
  }).catch(async (e) => {
    await as.close();
    throw e;
  });
  try {
    const res = await fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{}",
    });
    const challenge = parseWwwAuthenticate(res.headers.get("www-authenticate"))!;
    assert.equal(res.status, 401);
    const prm = await discoverProtectedResource(http.url, { resourceMetadata: challenge.resourceMetadata });
    assert.equal(prm.resource, http.url);
    assert.equal(prm.url, challenge.resourceMetadata);
    const fallback = await discoverProtectedResource(http.url);
    assert.equal(fallback.url, `${new URL(http.url).origin}/.well-known/oauth-protected-resource/mcp`);
    const asMeta = await discoverAuthorizationServer(prm.authorization_servers[0]!);
    assert.equal(asMeta.token_endpoint, `${as.issuer}/token`);
    assert.equal(selectScope(challenge, prm), "mcp");
    await assert.rejects(
      discoverProtectedResource(`${new URL(http.url).origin}/other`),
      (e: unknown) => e instanceof DiscoveryError && /is for .*\/mcp, not .*\/other/.test((e as Error).message),
    );
  } finally {
    await http.close();
    await as.close();
  }
});

test("authorization server checks: issuer must match; PKCE S256 must be advertised; OIDC fallback is used", async () => {
  const docs: Record<string, unknown> = {
    "https://as.example/.well-known/openid-configuration/t1": {
      issuer: "https://as.example/t1",
      token_endpoint: "https://as.example/t1/token",
      code_challenge_methods_supported: ["S256"],
    },
    "https://bad.example/.well-known/oauth-authorization-server": {
      issuer: "https://evil.example",
      token_endpoint: "https://evil.example/token",
      code_challenge_methods_supported: ["S256"],
    },
    "https://nopkce.example/.well-known/oauth-authorization-server": {
      issuer: "https://nopkce.example",
      token_endpoint: "https://nopkce.example/token",
      code_challenge_methods_supported: ["plain"],
    },
  };
  const asked: string[] = [];
  const fake: typeof fetch = async (input) => {
    const url = String(input);
    asked.push(url);
    return docs[url]
      ? new Response(JSON.stringify(docs[url]), { headers: { "content-type": "application/json" } })
      : new Response("{}", { status: 404 });
  };
  assert.equal((await discoverAuthorizationServer("https://as.example/t1", { fetch: fake })).token_endpoint, "https://as.example/t1/token");
  assert.deepEqual(asked, [
    "https://as.example/.well-known/oauth-authorization-server/t1",
    "https://as.example/.well-known/openid-configuration/t1",
  ]);
  await assert.rejects(discoverAuthorizationServer("https://bad.example", { fetch: fake }), /names issuer "https:\/\/evil.example"/);
  await assert.rejects(discoverAuthorizationServer("https://nopkce.example", { fetch: fake }), /does not advertise PKCE S256/);
  await assert.rejects(
    discoverAuthorizationServer("https://none.example", { fetch: fake }),
    (e: unknown) => e instanceof DiscoveryError && (e as DiscoveryError).tried.length === 2,
  );
});

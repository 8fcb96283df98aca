/**
 * Auth interop, the other way round: the Trellis client (OAuthClient, authorization code + PKCE) against a
 * resource server built on the official SDK 1.x — its requireBearerAuth middleware and its Protected Resource
 * Metadata router — with our loopback test authorization server. Client credentials too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import express from "express";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { McpServer as SdkMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { mcpAuthMetadataRouter, getOAuthProtectedResourceMetadataUrl } from "@modelcontextprotocol/sdk/server/auth/router.js";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { OAuthClient, authorizationCodeFlow, clientCredentialsFlow } from "../../src/auth/index.js";
import { followRedirect, startTestAuthServer, type TestAuthServer } from "../fixtures/test-auth-server.js";

/** An SDK resource server: PRM via mcpAuthMetadataRouter, bearer checks via requireBearerAuth, JWTs checked with jose. */
async function startSdkResourceServer(as: TestAuthServer) {
  const app = express();
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((r) => server.once("listening", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = new URL(`${base}/mcp`);
  const jwks = createRemoteJWKSet(new URL(`${as.issuer}/jwks`));
  const metadata = await (await fetch(`${as.issuer}/.well-known/oauth-authorization-server`)).json();
  app.use(mcpAuthMetadataRouter({ oauthMetadata: metadata, resourceServerUrl: resource, scopesSupported: ["mcp"] }));
  const verifier = {
    async verifyAccessToken(token: string) {
      const { payload } = await jwtVerify(token, jwks, { issuer: as.issuer, audience: resource.href });
      return {
        token,
        clientId: String(payload.client_id),
        scopes: String(payload.scope ?? "")
          .split(" ")
          .filter(Boolean),
        expiresAt: payload.exp,
        extra: { sub: payload.sub },
      };
    },
  };
  app.use(express.json());
  app.post(
    "/mcp",
    requireBearerAuth({ verifier, requiredScopes: ["mcp"], resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(resource) }),
    async (req, res) => {
      const mcp = new SdkMcpServer({ name: "sdk-protected", version: "1" });
      mcp.registerTool("whoami", {}, async (extra) => ({
        content: [{ type: "text" as const, text: `${extra.authInfo?.extra?.sub} via ${extra.authInfo?.clientId}` }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => void transport.close());
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  );
  return { url: resource.href, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

test("Trellis client: authorization code + PKCE against an official-SDK resource server", async () => {
  const as = await startTestAuthServer({ subject: "user-7" });
  const rs = await startSdkResourceServer(as);
  try {
    const auth = new OAuthClient({
      flow: authorizationCodeFlow({
        redirectUri: "http://127.0.0.1:9/callback",
        authorize: followRedirect,
        clientMetadata: { client_name: "trellis-interop" },
      }),
    });
    const client = new McpClient({ name: "trellis", version: "1" });
    await client.connect(new StreamableHttpClientTransport(rs.url, { auth }));
    const r = await client.callTool("whoami", {});
    assert.match((r.content[0] as { text: string }).text, /^user-7 via client-/);
    await client.close();
    const authorize = as.requests.find((x) => x.path === "/authorize")!;
    const token = as.requests.find((x) => x.path === "/token")!;
    assert.equal(authorize.params.code_challenge_method, "S256");
    assert.equal(authorize.params.resource, rs.url);
    assert.equal(authorize.params.scope, "mcp", "scope from the SDK server's PRM scopes_supported");
    assert.equal(token.params.resource, rs.url);
    assert.equal(as.requests.filter((x) => x.path === "/register").length, 1);
  } finally {
    await rs.close();
    await as.close();
  }
});

test("Trellis client: client credentials against an official-SDK resource server", async () => {
  const as = await startTestAuthServer({ clients: [{ id: "svc-1", secret: "s3cret-!" }] });
  const rs = await startSdkResourceServer(as);
  try {
    const auth = new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc-1", clientSecret: "s3cret-!" }) });
    const client = new McpClient({ name: "trellis", version: "1" });
    await client.connect(new StreamableHttpClientTransport(rs.url, { auth }));
    const r = await client.callTool("whoami", {});
    assert.equal((r.content[0] as { text: string }).text, "svc-1 via svc-1");
    await client.close();
    assert.equal(as.requests.filter((x) => x.path === "/authorize").length, 0, "no browser step");
  } finally {
    await rs.close();
    await as.close();
  }
});

/**
 * Auth interop: the official SDK 1.x client completes the authorization-code flow (discovery through
 * Protected Resource Metadata, dynamic registration, PKCE S256, resource indicators) against a Trellis
 * resource server, with a test authorization server of our own on loopback.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { freePort } from "../helpers.js";
import { McpServer } from "../../src/server/index.js";
import { serveHttp } from "../../src/transports/http/index.js";
import { JwtTokenVerifier, bearerAuth } from "../../src/auth/index.js";
import { startTestAuthServer } from "../fixtures/test-auth-server.js";

test("official SDK client: authorization code + PKCE against a Trellis resource server", async () => {
  const as = await startTestAuthServer({ subject: "user-1" });
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  let seenSubject: string | undefined;
  const server = new McpServer({ name: "protected", version: "1" });
  server.registerTool("whoami", {}, (_a, ctx) => {
    seenSubject = ctx.authInfo?.subject;
    return `you are ${ctx.authInfo?.subject} with ${ctx.authInfo?.scopes.join(" ")}`;
  });
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
  });

  // An in-memory OAuth client provider whose "browser" just follows the authorization redirect.
  const state: { tokens?: any; client?: any; verifier?: string; code?: string } = {};
  const provider: OAuthClientProvider = {
    get redirectUrl() {
      return "http://127.0.0.1:1/callback";
    },
    get clientMetadata() {
      return {
        client_name: "sdk-interop",
        redirect_uris: ["http://127.0.0.1:1/callback"],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
    state: () => "state-123",
    clientInformation: () => state.client,
    saveClientInformation: (c) => void (state.client = c),
    tokens: () => state.tokens,
    saveTokens: (t) => void (state.tokens = t),
    redirectToAuthorization: async (url) => {
      const res = await fetch(url, { redirect: "manual" });
      const location = new URL(res.headers.get("location")!);
      assert.equal(location.searchParams.get("state"), "state-123");
      state.code = location.searchParams.get("code")!;
    },
    saveCodeVerifier: (v) => void (state.verifier = v),
    codeVerifier: () => state.verifier!,
  };
  try {
    const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
    await assert.rejects(new Client({ name: "sdk", version: "1" }).connect(first), (e: unknown) => e instanceof UnauthorizedError);
    assert.ok(state.code, "the client was sent to the authorization endpoint and came back with a code");
    await first.finishAuth(state.code!);
    const client = new Client({ name: "sdk", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
    const r = await client.callTool({ name: "whoami" });
    assert.equal((r.content as any)[0].text, "you are user-1 with mcp");
    assert.equal(seenSubject, "user-1");
    await client.close();
    // What the SDK client did, as the spec requires: PKCE S256 and the resource indicator on both requests.
    const authorize = as.requests.find((r) => r.path === "/authorize")!;
    const token = as.requests.find((r) => r.path === "/token")!;
    assert.equal(authorize.params.code_challenge_method, "S256");
    assert.equal(authorize.params.resource, resource);
    assert.equal(token.params.resource, resource);
    assert.equal(authorize.params.scope, "mcp");
  } finally {
    await http.close();
    await as.close();
  }
});

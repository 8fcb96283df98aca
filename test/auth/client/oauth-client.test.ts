/**
 * OAuthClient end to end: a Trellis resource server (JWTs checked against the test authorization server's
 * JWKS, a per-tool scope) and the loopback test authorization server. Each test looks at what the client
 * sent the authorization server, not only at the outcome.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MemoryCredentialStore,
  OAuthClient,
  clientCredentialsFlow,
  clientMetadataDocument,
  serveClientMetadata,
} from "../../../src/auth/index.js";
import { FileCredentialStore, loopbackRedirect } from "../../../src/auth/node.js";
import { followRedirect, type TestAuthServer } from "../../fixtures/test-auth-server.js";
import { connect, setup, userAuth } from "../../fixtures/protected-server.js";

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;
const count = (as: TestAuthServer, path: string) => as.requests.filter((r) => r.path === path).length;

test("authorization code: PRM from the 401, DCR, PKCE S256, state, resource on both requests, scope from the challenge", async () => {
  const s = await setup();
  try {
    const client = await connect(s.url, userAuth());
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp");
    await client.close();
    const authorize = s.as.requests.find((r) => r.path === "/authorize")!.params;
    const token = s.as.requests.find((r) => r.path === "/token")!.params;
    const register = s.as.requests.find((r) => r.path === "/register")!.params;
    assert.equal(authorize.code_challenge_method, "S256");
    assert.ok(authorize.state && authorize.state.length >= 32, "a random state");
    assert.equal(authorize.resource, s.url);
    assert.equal(authorize.scope, "mcp", "the challenge's scope wins over scopes_supported");
    assert.equal(token.resource, s.url);
    assert.ok(token.code_verifier);
    assert.equal(register.application_type, "native");
    assert.equal(register.redirect_uris, "http://127.0.0.1:9/callback");
    assert.equal(count(s.as, "/register"), 1);
  } finally {
    await s.close();
  }
});

test("step-up: a 403 insufficient_scope is met by re-authorizing with the union of scopes, once", async () => {
  const s = await setup();
  try {
    const client = await connect(s.url, userAuth());
    assert.equal(text(await client.callTool("admin", {})), "admin done");
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp admin", "the earlier scope was kept");
    const scopes = s.as.requests.filter((r) => r.path === "/authorize").map((r) => r.params.scope);
    assert.deepEqual(scopes, ["mcp", "mcp admin"]);
    await client.close();
  } finally {
    await s.close();
  }
});

test("step-up the authorization server will not grant fails at once with the missing scope named", async () => {
  const s = await setup({ grant: () => "mcp" });
  try {
    const client = await connect(s.url, userAuth());
    await assert.rejects(client.callTool("admin", {}), /granted "mcp" but this request needs "admin"/);
    assert.equal(count(s.as, "/authorize"), 2, "one step-up, not a loop");
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp", "the session goes on");
    await client.close();
  } finally {
    await s.close();
  }
});

test("an expired token is refreshed (with the resource) instead of sending the user through the browser again", async () => {
  const s = await setup({ expiresIn: 20, refreshTokens: true }); // 20 s is inside the 30 s early-refresh window
  try {
    const client = await connect(s.url, userAuth());
    await client.callTool("whoami", {});
    await client.callTool("whoami", {});
    const refreshes = s.as.requests.filter((r) => r.path === "/token" && r.params.grant_type === "refresh_token");
    assert.ok(refreshes.length >= 2, "each expired token was refreshed");
    assert.equal(refreshes[0]!.params.resource, s.url);
    assert.equal(count(s.as, "/authorize"), 1);
    await client.close();
  } finally {
    await s.close();
  }
});

test("a callback with the wrong state, or with an error, fails the request with the reason and sends no token request", async () => {
  const s = await setup();
  try {
    const forged = userAuth({ authorize: async (url) => (await followRedirect(url)).replace(/state=[^&]+/, "state=forged") });
    await assert.rejects(connect(s.url, forged), /state/);
    const denied = userAuth({
      authorize: async (url) =>
        `http://127.0.0.1:9/callback?error=access_denied&error_description=user+said+no&state=${url.searchParams.get("state")}`,
    });
    await assert.rejects(connect(s.url, denied), /access_denied: user said no/);
    assert.equal(count(s.as, "/token"), 0);
  } finally {
    await s.close();
  }
});

test("an authorization server that does not advertise PKCE S256 is refused before the user is sent anywhere", async () => {
  const s = await setup({ pkce: false });
  try {
    await assert.rejects(connect(s.url, userAuth()), /PKCE S256/);
    assert.equal(count(s.as, "/authorize"), 0);
  } finally {
    await s.close();
  }
});

test("plain http to a non-loopback authorization server is refused", async () => {
  const s = await setup({}, ["http://auth.example.com"]);
  try {
    await assert.rejects(connect(s.url, userAuth()), /not https/);
  } finally {
    await s.close();
  }
});

test("concurrent requests that meet a 401 share one authorization", async () => {
  const s = await setup();
  try {
    const auth = userAuth();
    const client = await connect(s.url, auth);
    await auth.forget(s.url);
    const results = await Promise.all(Array.from({ length: 6 }, () => client.callTool("whoami", {})));
    assert.ok(results.every((r) => text(r) === "user-1 mcp"));
    assert.equal(count(s.as, "/authorize"), 2, "the first connect, then one for all six calls");
    await client.close();
  } finally {
    await s.close();
  }
});

test("FileCredentialStore: a second run reuses the registration and the tokens; the file is private", async () => {
  const s = await setup();
  const dir = mkdtempSync(join(tmpdir(), "trellis-creds-"));
  try {
    const file = join(dir, "credentials.json");
    const first = await connect(s.url, userAuth({}, { store: new FileCredentialStore(file) }));
    await first.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const second = await connect(s.url, userAuth({}, { store: new FileCredentialStore(file) }));
    assert.equal(text(await second.callTool("whoami", {})), "user-1 mcp");
    await second.close();
    assert.equal(count(s.as, "/register"), 1);
    assert.equal(count(s.as, "/authorize"), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  }
});

test("pre-registered clients skip registration; CIMD URLs are used as client_id where the server supports them", async () => {
  const s = await setup({ cimd: true });
  try {
    const cimd = await connect(s.url, userAuth({ clientMetadataUrl: "https://app.example.com/oauth/client.json" }));
    await cimd.close();
    assert.equal(s.as.requests.find((r) => r.path === "/authorize")!.params.client_id, "https://app.example.com/oauth/client.json");
    const pre = await connect(
      s.url,
      userAuth({ client: { clientId: "pre-1" }, clientMetadataUrl: "https://app.example.com/oauth/client.json" }),
    );
    await pre.close();
    assert.equal(s.as.requests.filter((r) => r.path === "/authorize")[1]!.params.client_id, "pre-1", "pre-registration comes first");
    assert.equal(count(s.as, "/register"), 0);
  } finally {
    await s.close();
  }
});

test("client credentials: a service signs in with its secret, no browser", async () => {
  const s = await setup({ clients: [{ id: "svc", secret: "p@ss word" }] });
  try {
    const client = await connect(s.url, new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc", clientSecret: "p@ss word" }) }));
    assert.equal(text(await client.callTool("whoami", {})), "svc mcp");
    await client.close();
    const bad = new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc", clientSecret: "wrong" }) });
    await assert.rejects(connect(s.url, bad), /client_credentials authorization at .* failed: invalid_client/);
  } finally {
    await s.close();
  }
});

test("loopbackRedirect: the browser comes back to a 127.0.0.1 listener that checks state", async () => {
  const s = await setup();
  const receiver = await loopbackRedirect({ open: async (url) => void (await fetch(url)) });
  try {
    assert.match(receiver.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const stray = await fetch(`${receiver.redirectUri}?code=x&state=nobody-asked`);
    assert.equal(stray.status, 404);
    const client = await connect(s.url, userAuth({ redirectUri: receiver.redirectUri, authorize: (url) => receiver.authorize(url) }));
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp");
    await client.close();
  } finally {
    await receiver.close();
    await s.close();
  }
});

test("client metadata documents: the SEP-991 rules are checked, and the document is served at its own path", async () => {
  assert.throws(
    () => clientMetadataDocument({ client_id: "http://app.example.com/c.json", client_name: "x", redirect_uris: ["http://127.0.0.1/cb"] }),
    /https URL with a path/,
  );
  assert.throws(
    () => clientMetadataDocument({ client_id: "https://app.example.com/", client_name: "x", redirect_uris: ["http://127.0.0.1/cb"] }),
    /with a path/,
  );
  assert.throws(
    () => clientMetadataDocument({ client_id: "https://app.example.com/c.json", client_name: "x", redirect_uris: [] }),
    /redirect_uris/,
  );
  assert.throws(
    () =>
      clientMetadataDocument({
        client_id: "https://app.example.com/c.json",
        client_name: "x",
        redirect_uris: ["http://127.0.0.1/cb"],
        token_endpoint_auth_method: "client_secret_basic",
      }),
    /shared secret/,
  );
  const serve = serveClientMetadata({
    client_id: "https://app.example.com/c.json",
    client_name: "App",
    redirect_uris: ["http://127.0.0.1/cb"],
  });
  const ok = serve(new Request("https://app.example.com/c.json"));
  assert.equal(ok.status, 200);
  const doc = (await ok.json()) as Record<string, unknown>;
  assert.equal(doc.client_id, "https://app.example.com/c.json");
  assert.equal(doc.token_endpoint_auth_method, "none");
  assert.equal(serve(new Request("https://app.example.com/other.json")).status, 404);
  assert.equal(serve(new Request("https://app.example.com/c.json", { method: "POST" })).status, 405);
});

test("bad answers from the servers fail the request with what went wrong, and the client stays usable", async () => {
  const s = await setup();
  try {
    // The token endpoint answers an HTML error page.
    const htmlToken = userAuth(
      {},
      {
        fetch: async (input, init) =>
          String(input).endsWith("/token")
            ? new Response("<html>oops</html>", { status: 500, headers: { "content-type": "text/html" } })
            : fetch(input, init),
      },
    );
    await assert.rejects(connect(s.url, htmlToken), /authorization_code authorization at .* failed: .*(500|JSON)/);
    // The metadata names another resource: a confused-deputy setup, refused before any token is requested.
    const otherResource = userAuth(
      {},
      {
        fetch: async (input, init) =>
          String(input).includes("oauth-protected-resource")
            ? Response.json({ resource: "https://evil.example.com/mcp", authorization_servers: [s.as.issuer] })
            : fetch(input, init),
      },
    );
    await assert.rejects(connect(s.url, otherResource), /is for https:\/\/evil\.example\.com\/mcp/);
    // No metadata anywhere.
    const noMetadata = userAuth(
      {},
      {
        fetch: async (input, init) =>
          String(input).includes("/.well-known/") ? new Response("not found", { status: 404 }) : fetch(input, init),
      },
    );
    await assert.rejects(connect(s.url, noMetadata), /no protected resource metadata/);
    assert.equal(count(s.as, "/authorize"), 1, "only the first case got as far as the browser");
    // And a good client on the same server still works.
    const ok = await connect(s.url, userAuth());
    assert.equal(text(await ok.callTool("whoami", {})), "user-1 mcp");
    await ok.close();
  } finally {
    await s.close();
  }
});

test("a stored registration the authorization server no longer knows is dropped, and the next attempt registers again", async () => {
  const s = await setup();
  try {
    const store = new MemoryCredentialStore();
    store.save(`client ${s.as.issuer}`, { clientId: "client-forgotten", redirectUri: "http://127.0.0.1:9/callback" });
    await assert.rejects(connect(s.url, userAuth({}, { store })), /invalid_client.*registration was dropped/);
    assert.equal(store.load(`client ${s.as.issuer}`), undefined);
    const client = await connect(s.url, userAuth({}, { store }));
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp");
    await client.close();
    assert.equal(count(s.as, "/register"), 1);
  } finally {
    await s.close();
  }
});

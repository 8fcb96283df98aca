/**
 * The OAuth client under attack (issue 10, items 1 to 3): a hung authorization server must not wedge it, URLs a
 * server names must not turn it against its own network, and credentials go only to the authorization server
 * they belong to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient, StreamableHttpClientTransport } from "../../../src/client/index.js";
import {
  MemoryCredentialStore,
  OAuthClient,
  clientCredentialsFlow,
  type OAuthClientOptions,
  type OAuthFlow,
} from "../../../src/auth/index.js";
import { connect, setup, userAuth } from "../../fixtures/protected-server.js";

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

test("attack #1: a hung discovery request (no headers, or a body that never ends) fails within timeoutMs and does not wedge the client", {
  timeout: 20_000,
}, async () => {
  const s = await setup();
  try {
    let mode: "headers" | "body" | "ok" = "headers";
    const fetchFn: typeof fetch = async (url, init) => {
      if (String(url).includes("/.well-known/oauth-authorization-server") && mode !== "ok") {
        // A fetch that ignores its signal, as a broken proxy or a custom fetch might.
        if (mode === "headers") return new Promise<Response>(() => {});
        return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"issuer":')) }), {
          headers: { "content-type": "application/json" },
        });
      }
      return fetch(url, init);
    };
    const auth = userAuth({}, { fetch: fetchFn, timeoutMs: 300 });
    for (const m of ["headers", "body"] as const) {
      mode = m;
      const started = Date.now();
      await assert.rejects(connect(s.url, auth), /within 300 ms/, m);
      assert.ok(Date.now() - started < 3000, `${m}: failed in ${Date.now() - started} ms`);
    }
    // The same OAuthClient works at once when the server answers again: nothing was left holding its lock.
    mode = "ok";
    const started = Date.now();
    const client = await connect(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "user-1 mcp");
    assert.ok(Date.now() - started < 3000);
    await client.close();
  } finally {
    await s.close();
  }
});

/**
 * A fake world behind one fetch: a loopback "MCP server" whose 401 names what the test wants, and answers for
 * other URLs. Every URL asked for is recorded, so a test can show a forbidden one was never fetched.
 */
function world(routes: Record<string, (init?: RequestInit) => Response>) {
  const fetched: string[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    fetched.push(url);
    const route = routes[url];
    if (route) return route(init);
    return new Response("not found", { status: 404 });
  };
  return { fetched, fetchFn };
}

const MCP = "http://127.0.0.1:4999/mcp";
const challenge = (resourceMetadata: string) => () =>
  new Response("{}", { status: 401, headers: { "www-authenticate": `Bearer resource_metadata="${resourceMetadata}"` } });
const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const as = (issuer: string, over: Record<string, unknown> = {}) => ({
  issuer,
  token_endpoint: `${issuer}/token`,
  authorization_endpoint: `${issuer}/authorize`,
  code_challenge_methods_supported: ["S256"],
  token_endpoint_auth_methods_supported: ["client_secret_basic"],
  ...over,
});
const machine = (
  options: Partial<OAuthClientOptions> & { fetch: typeof fetch },
  flow: OAuthFlow = clientCredentialsFlow({ clientId: "svc", clientSecret: "s3cret" }),
) => new OAuthClient({ flow, ...options });

async function attempt(fetchFn: typeof fetch, auth: OAuthClient): Promise<Error> {
  const client = new McpClient({ name: "t", version: "1" });
  const err = await client.connect(new StreamableHttpClientTransport(MCP, { auth, fetch: fetchFn })).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(err, "the connection must fail");
  return err;
}

test("attack #2: URLs a server names are checked before they are fetched (schemes, metadata addresses, private networks, redirect hops)", async () => {
  const prm = (servers: string[]) => json({ resource: MCP, authorization_servers: servers });
  const cases: { name: string; routes: Record<string, (init?: RequestInit) => Response>; error: RegExp; never: RegExp }[] = [
    {
      name: "resource_metadata=file:",
      routes: { [MCP]: challenge("file:///etc/passwd") },
      error: /resource_metadata file:\/\/\/etc\/passwd uses file:/,
      never: /^file:/,
    },
    {
      name: "resource_metadata on the cloud metadata address",
      routes: { [MCP]: challenge("http://169.254.169.254/latest/meta-data/iam/security-credentials/") },
      error: /169\.254\.169\.254.* link-local/,
      never: /169\.254/,
    },
    {
      name: "the same in decimal",
      routes: { [MCP]: challenge("http://2852039166/latest/meta-data/") },
      error: /link-local/,
      never: /169\.254|2852039166/,
    },
    {
      name: "a well-known URL that redirects to the metadata address",
      routes: {
        [MCP]: () => new Response("{}", { status: 401, headers: { "www-authenticate": "Bearer" } }),
        "http://127.0.0.1:4999/.well-known/oauth-protected-resource/mcp": () =>
          new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }),
      },
      error: /redirect from .* to http:\/\/169\.254\.169\.254/,
      never: /169\.254/,
    },
    {
      name: "an authorization server on a private address",
      routes: { [MCP]: challenge("http://127.0.0.1:4999/prm"), "http://127.0.0.1:4999/prm": prm(["http://10.0.0.7"]) },
      error: /10\.0\.0\.7.* private address/,
      never: /10\.0\.0\.7/,
    },
    {
      name: "a token endpoint on an IPv4-mapped metadata address",
      routes: {
        [MCP]: challenge("http://127.0.0.1:4999/prm"),
        "http://127.0.0.1:4999/prm": prm(["http://127.0.0.1:4999/as"]),
        "http://127.0.0.1:4999/.well-known/oauth-authorization-server/as": json(
          as("http://127.0.0.1:4999/as", { token_endpoint: "http://[::ffff:a9fe:a9fe]/token" }),
        ),
      },
      error: /token endpoint http:\/\/\[::ffff:a9fe:a9fe\]\/token is a link-local address/,
      never: /a9fe/,
    },
  ];
  for (const c of cases) {
    const w = world(c.routes);
    const err = await attempt(w.fetchFn, machine({ fetch: w.fetchFn }));
    assert.match(err.message, c.error, c.name);
    assert.ok(!w.fetched.some((u) => c.never.test(u)), `${c.name}: fetched ${w.fetched.join(", ")}`);
  }
});

test("attack #2: allowPrivateNetwork and allowInsecureHttp open exactly what they say", async () => {
  const w = world({
    [MCP]: challenge("http://127.0.0.1:4999/prm"),
    "http://127.0.0.1:4999/prm": json({ resource: MCP, authorization_servers: ["http://10.0.0.7"] }),
  });
  await attempt(w.fetchFn, machine({ fetch: w.fetchFn, allowPrivateNetwork: true, allowInsecureHttp: true }));
  assert.ok(w.fetched.includes("http://10.0.0.7/.well-known/oauth-authorization-server"), w.fetched.join(", "));
});

test("attack #2: oversized answers are refused: 2 MB of metadata, a 50 MB token response", async () => {
  const big = (n: number) => () =>
    new Response(`{"issuer":"x","pad":"${"x".repeat(n)}"}`, { headers: { "content-type": "application/json" } });
  const routes = {
    [MCP]: challenge("http://127.0.0.1:4999/prm"),
    "http://127.0.0.1:4999/prm": json({ resource: MCP, authorization_servers: ["http://127.0.0.1:4999/as"] }),
  };
  const w1 = world({ ...routes, "http://127.0.0.1:4999/.well-known/oauth-authorization-server/as": big(2 * 1024 * 1024) });
  assert.match((await attempt(w1.fetchFn, machine({ fetch: w1.fetchFn }))).message, /larger than 1048576 bytes/);
  const w2 = world({
    ...routes,
    "http://127.0.0.1:4999/.well-known/oauth-authorization-server/as": json(as("http://127.0.0.1:4999/as")),
    "http://127.0.0.1:4999/as/token": () =>
      new Response(`{"access_token":"${"a".repeat(50 * 1024 * 1024)}","token_type":"bearer"}`, {
        headers: { "content-type": "application/json" },
      }),
  });
  assert.match((await attempt(w2.fetchFn, machine({ fetch: w2.fetchFn }))).message, /larger than 1048576 bytes/);
});

test("attack #3: a secret is never sent to a token endpoint on another origin than its issuer", async () => {
  let secretsSeen = 0;
  const routes = (status: number) => ({
    [MCP]: challenge("http://127.0.0.1:4999/prm"),
    "http://127.0.0.1:4999/prm": json({ resource: MCP, authorization_servers: ["http://127.0.0.1:4999/as"] }),
    "http://127.0.0.1:4999/.well-known/oauth-authorization-server/as": json(
      as("http://127.0.0.1:4999/as", { token_endpoint: "http://127.0.0.2:4999/steal" }),
    ),
    "http://127.0.0.2:4999/steal": () => (secretsSeen++, new Response("{}", { status })),
  });
  const w = world(routes(200));
  const err = await attempt(w.fetchFn, machine({ fetch: w.fetchFn }));
  assert.match(err.message, /token endpoint http:\/\/127\.0\.0\.2:4999\/steal is not on the origin of its issuer/);
  assert.equal(secretsSeen, 0);
  // The caller can allow it, for providers that need it.
  const w2 = world(routes(400));
  await attempt(w2.fetchFn, machine({ fetch: w2.fetchFn, allowForeignTokenEndpoint: true }));
  assert.equal(secretsSeen, 1);
});

test("attack #3: pre-registered credentials stay with their issuer, named or first used; another authorization server never sees them", async () => {
  const a = await setup({ clients: [{ id: "svc", secret: "s3cret" }] });
  const b = await setup({ clients: [{ id: "svc", secret: "s3cret" }] });
  try {
    const store = new MemoryCredentialStore();
    const auth = new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc", clientSecret: "s3cret" }), store });
    const first = await connect(a.url, auth);
    assert.equal(text(await first.callTool("whoami", {})), "svc mcp");
    await first.close();
    // Another MCP server names another authorization server: the secret is refused to it.
    await assert.rejects(
      connect(b.url, auth),
      /credentials of client "svc" were first used with http:\/\/127\.0\.0\.1:\d+; refusing to send them to/,
    );
    assert.equal(b.as.requests.filter((r) => r.path === "/token").length, 0, "b's token endpoint never heard from us");
    // Named explicitly, they go only there.
    const named = new OAuthClient({ flow: clientCredentialsFlow({ clientId: "svc", clientSecret: "s3cret", issuer: b.as.issuer }) });
    await assert.rejects(connect(a.url, named), /belong to http:\/\/127\.0\.0\.1:\d+, but this server's authorization server is/);
    const ok = await connect(b.url, named);
    assert.equal(text(await ok.callTool("whoami", {})), "svc mcp");
    await ok.close();
  } finally {
    await a.close();
    await b.close();
  }
});

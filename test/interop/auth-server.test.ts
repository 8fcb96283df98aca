/**
 * Peers against the embedded authorization server: the official SDK 1.x client completes the authorization code
 * flow (pre-registered client, PKCE, resource), and mcp-remote — the stdio bridge desktop clients use — completes
 * it with Dynamic Client Registration while a real headless Chromium signs in and approves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { McpClient } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";
import { FormBrowser } from "../fixtures/form-browser.js";
import { protectedServer } from "../fixtures/auth-server.js";
import { ARTIFACTS, launch } from "../fixtures/apps.js";
import { freePort } from "../helpers.js";

const require = createRequire(import.meta.url);

test("official SDK 1.x client: authorization code with PKCE and resource against the embedded authorization server", async () => {
  const s = await protectedServer();
  const state: { tokens?: any; verifier?: string; code?: string; authorizeUrl?: URL } = {};
  const provider: OAuthClientProvider = {
    get redirectUrl() {
      return "http://127.0.0.1:1/callback";
    },
    get clientMetadata() {
      return { client_name: "sdk", redirect_uris: ["http://127.0.0.1:1/callback"], token_endpoint_auth_method: "none" };
    },
    state: () => "sdk-state",
    clientInformation: () => ({ client_id: "app" }),
    saveClientInformation: () => {},
    tokens: () => state.tokens,
    saveTokens: (t) => void (state.tokens = t),
    redirectToAuthorization: async (url) => {
      state.authorizeUrl = url;
      const back = new URL(await new FormBrowser().authorize(url, { username: "alice", password: "alice-demo-password" }));
      assert.equal(back.searchParams.get("state"), "sdk-state");
      assert.equal(back.searchParams.get("iss"), s.as.issuer);
      state.code = back.searchParams.get("code")!;
    },
    saveCodeVerifier: (v) => void (state.verifier = v),
    codeVerifier: () => state.verifier!,
  };
  try {
    const first = new StreamableHTTPClientTransport(new URL(s.url), { authProvider: provider });
    await assert.rejects(new Client({ name: "sdk", version: "1" }).connect(first), (e: unknown) => e instanceof UnauthorizedError);
    await first.finishAuth(state.code!);
    const client = new Client({ name: "sdk", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(s.url), { authProvider: provider }));
    const r = await client.callTool({ name: "whoami" });
    assert.equal((r.content as any)[0].text, "alice mcp:read");
    await client.close();
    assert.equal(state.authorizeUrl!.searchParams.get("code_challenge_method"), "S256");
    assert.equal(state.authorizeUrl!.searchParams.get("resource"), s.url);
    assert.equal(state.tokens.token_type, "Bearer");
    assert.ok(state.tokens.refresh_token);
  } finally {
    await s.close();
  }
});

test("mcp-remote: registers (DCR), sends the user to the login and consent pages (Chromium), and bridges tools over stdio", {
  timeout: 120_000,
}, async () => {
  const s = await protectedServer({ dcr: true, cimd: false });
  const config = mkdtempSync(join(tmpdir(), "trellis-mcp-remote-"));
  const browser = await launch();
  const port = await freePort();
  let log = "";
  let signIn: Promise<void> | undefined;
  const client = new McpClient({ name: "desktop", version: "1" });
  try {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [require.resolve("mcp-remote/dist/proxy.js"), s.url, String(port), "--allow-http", "--host", "127.0.0.1"],
      // BROWSER=true: the opener "succeeds" without opening anything; Chromium below follows the URL instead.
      env: { ...(process.env as Record<string, string>), MCP_REMOTE_CONFIG_DIR: config, BROWSER: "true" },
      onstderr: (line) => {
        log += `${line}\n`;
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(line.trim());
        if (m && !signIn)
          signIn = (async () => {
            const page = await browser.newPage();
            await page.goto(m[1]!);
            await page.fill("#username", "bob");
            await page.fill("#password", "bob-demo-password");
            await page.click("button[type=submit]");
            await page.waitForSelector("button[value=approve]");
            await page.screenshot({ path: join(ARTIFACTS, "auth-consent-mcp-remote.png") });
            await page.click("button[value=approve]");
            await page.waitForURL(/oauth\/callback/);
          })();
      },
    });
    await client.connect(transport);
    assert.ok(signIn, `mcp-remote never printed an authorization URL:\n${log}`);
    await signIn;
    const r = await client.callTool("whoami", {});
    assert.equal((r.content[0] as { text: string }).text, "bob mcp:read");
    const issued = s.audit.events.find((e) => e.type === "token_issued")!;
    assert.match(issued.clientId!, /^dcr_/);
    assert.equal(issued.subject, "bob");
  } finally {
    await client.close().catch(() => {});
    await browser.close();
    await s.close();
    rmSync(config, { recursive: true, force: true });
  }
});

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): `trellis inspect` on the
 * everything example; a tool called from its generated form; a long task whose bar reaches 100 %; an elicitation
 * answered in its form; the guided OAuth flow against the embedded authorization server (and a step-up), its audit
 * log filtered; and a third-party server (@modelcontextprotocol/server-filesystem) started over stdio after the
 * consent step, its tools listed. Screenshots of each view go to test-artifacts/. The API's guards (token,
 * Host, Origin) are checked without a browser.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { Dashboard } from "../../src/dashboard/index.js";
import { launch } from "../fixtures/apps.js";
import { spawnServer } from "../helpers.js";

const SERVER = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const FILESYSTEM = join(
  dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/server-filesystem/package.json")),
  "dist/index.js",
);

let dir: string;
let server: { url: string; child: ChildProcess };
let authed: { url: string; child: ChildProcess };
let inspect: ChildProcess;
let dashboardUrl: string;
let browser: Browser;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trellis-dashboard-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await spawnServer([SERVER, "--port", "0", "--database", join(dir, "e.db")], { cwd: dir });
  authed = await spawnServer([SERVER, "--port", "0", "--auth-server", "--database", join(dir, "a.db")], { cwd: dir });
  inspect = spawn(process.execPath, [CLI, "inspect", server.url], { stdio: ["ignore", "pipe", "pipe"] });
  dashboardUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    inspect.stdout!.on("data", (d) => {
      out += d;
      const first = out.split("\n")[0]!;
      if (out.includes("\n")) first.startsWith("http://127.0.0.1:") ? resolve(first) : reject(new Error(out));
    });
    inspect.once("exit", (c) => reject(new Error(`trellis inspect exited ${c}`)));
  });
  browser = await launch();
  // A context of its own, so the guided OAuth flow can open the authorization page in another tab.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(dashboardUrl);
});

after(async () => {
  await browser?.close();
  inspect?.kill("SIGTERM");
  server?.child.kill();
  authed?.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("trellis inspect prints the dashboard's address first, and the page shows the server it connected to", async () => {
  assert.match(dashboardUrl, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
  await page.getByRole("heading", { name: /trellis-everything|everything/i }).waitFor();
  await page.getByRole("button", { name: "Echo", exact: true }).waitFor();
});

test("a tool called from its generated form: the result and its structured content", async () => {
  await page.getByRole("button", { name: "Echo", exact: true }).click();
  await page.getByLabel(/^text/).fill("hello from the form");
  await page.getByRole("button", { name: "Call", exact: true }).click();
  await page.locator(".block", { hasText: "hello from the form" }).first().waitFor();
  await page.getByRole("heading", { name: "Structured content" }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-tool.png") });
});

test("a long task: its bar advances and reaches 100 %, then its result", { timeout: 60_000 }, async () => {
  await page.getByRole("tab", { name: "Tools" }).click();
  await page.getByRole("button", { name: "long_running_task" }).click();
  await page.getByLabel(/^seconds/).fill("3");
  await page.getByRole("button", { name: "Run as task" }).click();
  const task = page.locator("[data-task]").first();
  await task.waitFor();
  const seen = new Set<string>();
  for (const end = Date.now() + 20_000; Date.now() < end; ) {
    const pct = (await task.locator("[data-percent]").textContent()) ?? "";
    seen.add(pct);
    if (pct === "100%") break;
    await page.waitForTimeout(100);
  }
  assert.ok(seen.has("100%"), `the bar reached 100 % (${[...seen]})`);
  assert.ok(
    [...seen].some((p) => /^[1-9]\d?%$/.test(p)),
    `the bar was seen on its way (${[...seen]})`,
  );
  await task.getByText("completed").waitFor();
  await task.getByRole("button", { name: "Result" }).click();
  await task.getByText(/finished 10 steps in 3 s/).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-task.png") });
});

test("an elicitation answered in its form reaches the tool", async () => {
  await page.getByRole("tab", { name: "Tools" }).click();
  await page.getByRole("button", { name: "test_elicitation", exact: true }).click();
  await page.getByLabel(/^message/).fill("Who are you?");
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const question = page.getByRole("dialog", { name: / asks$/ });
  await question.waitFor();
  await question.getByLabel(/^username/).fill("ada");
  await question.getByLabel(/^email/).fill("ada@example.com");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-elicitation.png") });
  await question.getByRole("button", { name: "Accept" }).click();
  await page.locator(".block", { hasText: /action=accept.*ada@example\.com/ }).waitFor();
});

test("completion as you type: a prompt's argument and a resource template's variable", async () => {
  await page.getByRole("tab", { name: "Prompts" }).click();
  await page.getByRole("button", { name: "test_prompt_with_arguments" }).click();
  await page.getByLabel(/^arg1/).fill("pa");
  await page.locator('datalist option[value="paris"]').waitFor({ state: "attached" });
  // The focus asked for "" before "pa": only the latest answer is shown, once every answer is in.
  await page.getByLabel(/^arg1/).and(page.locator('[aria-busy="false"]')).waitFor();
  assert.deepEqual(await page.locator("datalist option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), [
    "paris",
    "park",
    "party",
  ]);
  await page.getByLabel(/^arg1/).fill("paris");
  await page.getByLabel(/^arg2/).fill("x");
  await page.getByRole("button", { name: "Get" }).click();
  await page.getByText("Prompt with arguments: arg1='paris', arg2='x'").waitFor();
  await page.getByRole("tab", { name: "Resources" }).click();
  await page.getByRole("button", { name: "test://template/{id}/data" }).click();
  await page.getByLabel(/^id/).fill("4");
  await page.locator('datalist option[value="456"]').waitFor({ state: "attached" });
  await page.getByLabel(/^id/).fill("456");
  await page.getByRole("button", { name: "Read from the template" }).click();
  await page.getByText(/Data for ID: 456/).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-resources.png") });
});

test("an MCP Apps view renders in the sandbox on its own origin, and a click in it calls its app-only tool", {
  timeout: 60_000,
}, async () => {
  await page.getByRole("tab", { name: "Tools" }).click();
  await page.getByRole("button", { name: "Show the dice roller" }).click();
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const frame = page.frameLocator("iframe[data-view-id]").first().frameLocator("iframe");
  await frame.getByRole("button", { name: "Roll" }).click();
  await frame.getByText(/You rolled \d+/).waitFor();
  const src = await page.locator("iframe[data-view-id]").first().getAttribute("src");
  assert.notEqual(new URL(src!).origin, new URL(dashboardUrl).origin, "the sandbox is another origin");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-app-view.png") });
});

test("the protocol view lists every message, both ways", async () => {
  await page.getByRole("tab", { name: "Protocol" }).click();
  const table = page.getByRole("table", { name: "JSON-RPC messages" });
  await table.getByText("elicitation/create").first().waitFor();
  await table.getByText("tools/call").first().waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-protocol.png") });
});

test("a third-party server over stdio (server-filesystem), after the consent step: its tools are listed", { timeout: 60_000 }, async () => {
  const command = `${process.execPath} ${FILESYSTEM} ${dir}`;
  await page.getByLabel("Or start a command (stdio)").fill(command);
  const start = page.getByRole("button", { name: "Start" });
  assert.equal(await start.isDisabled(), true, "nothing runs before consent");
  await page.getByText(/This runs on your machine/).waitFor();
  await page.getByLabel("I trust this command; run it").check();
  await start.click();
  await page.getByRole("button", { name: /secure-filesystem-server|filesystem/i }).click();
  await page.getByRole("tab", { name: "Tools" }).click();
  await page
    .getByRole("button", { name: /^(List Directory|list_directory)$/i })
    .first()
    .waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-stdio.png") });
});

/**
 * walkOAuth plays the person through a step-through sign-in: Continue before each request, and on the authorization
 * step the authorization server's pages in another tab (sign in as alice when asked, approve). It returns when
 * `until` holds; `shot` names the screenshot taken at the first Continue.
 */
async function walkOAuth(until: () => Promise<boolean>, shot?: string): Promise<Set<string>> {
  const opened = new Set<string>();
  for (const end = Date.now() + 45_000; Date.now() < end; ) {
    if (await until()) return opened;
    const next = page.getByRole("dialog", { name: "Next OAuth step" });
    if (await next.isVisible()) {
      if (shot && opened.size === 0) await page.screenshot({ path: join(ARTIFACTS, shot) });
      await next.getByRole("button", { name: "Continue" }).click();
      await page.waitForTimeout(50);
      continue;
    }
    const links = page.locator("a[data-authorize]");
    for (const href of await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
      if (opened.has(href)) continue;
      opened.add(href);
      const tab = await page.context().newPage();
      await tab.goto(href);
      if (await tab.getByLabel("Username").isVisible()) {
        await tab.getByLabel("Username").fill("alice");
        await tab.getByLabel("Password").fill("alice-demo-password");
        await tab.getByRole("button", { name: "Sign in" }).click();
      }
      await tab.getByRole("button", { name: "Approve" }).click();
      await tab
        .getByText(/You can close this window/)
        .waitFor()
        .catch(async (err: Error) => {
          await tab.screenshot({ path: join(ARTIFACTS, "dashboard-oauth-authorize-failed.png") });
          throw new Error(
            `the authorization page did not send the browser back: ${(await tab.textContent("body"))?.slice(0, 300)} (${err.message})`,
          );
        });
      await tab.close();
    }
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-oauth-timeout.png"), fullPage: true });
  throw new Error("the OAuth flow did not finish in time (see test-artifacts/dashboard-oauth-timeout.png)");
}

test("the guided OAuth flow against the embedded authorization server: every step shown, then connected", { timeout: 90_000 }, async () => {
  await page.getByLabel("Server URL").fill(authed.url);
  await page.getByText("Sign in (guided OAuth flow)").click();
  await page.getByLabel(/^Scopes/).fill("mcp:read mcp:admin");
  assert.equal(await page.getByLabel(/Step through/).isChecked(), true);
  await page.getByRole("button", { name: "Walk the OAuth flow" }).click();
  const connected = page.getByRole("button", { name: /Trellis everything server/ }).nth(1);
  const opened = await walkOAuth(() => connected.isVisible(), "dashboard-oauth-step.png");
  assert.equal(opened.size, 1, "one authorization page");
  await connected.click();
  await page.getByRole("tab", { name: "OAuth" }).click();
  const flow = page.getByLabel("OAuth flow");
  for (const stage of ["challenge", "resource-metadata", "as-metadata", "identity", "authorization", "token", "authorized"])
    assert.equal(await flow.locator(`[data-stage=${stage}]`).getAttribute("class"), "ok", `stage ${stage} reached`);
  await flow.getByText(/^DCR: registered just now/).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-oauth.png") });
  await flow.locator("[data-step=token] summary", { hasText: "Request" }).click();
  const tokenRequest = (await flow.locator("[data-step=token] pre").first().textContent()) ?? "";
  assert.match(tokenRequest, /"grant_type": "authorization_code"/);
  assert.match(tokenRequest, /"code_verifier": "[^"]{8}… \(\d+ characters\)"/, "secrets are shortened");
  await flow.locator("[data-step=token] summary", { hasText: "Answer" }).click();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-oauth-token.png") });
  // The connection works with the token: a tool call.
  await page.getByRole("tab", { name: "Tools" }).click();
  await page.getByRole("button", { name: "Echo", exact: true }).click();
  await page.getByLabel(/^text/).fill("signed in");
  await page.getByRole("button", { name: "Call", exact: true }).click();
  await page.locator(".block", { hasText: "signed in" }).first().waitFor();
});

test("a step-up: a tool that needs another scope sends the person back through the flow, and the call completes", {
  timeout: 90_000,
}, async () => {
  await page.getByRole("button", { name: "write_note", exact: true }).click();
  await page.getByLabel(/^text/).fill("from the dashboard");
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const result = page.locator(".block", { hasText: "noted for" }).first();
  await walkOAuth(() => result.isVisible());
  assert.match((await result.textContent()) ?? "", /noted for .*: from the dashboard/);
  await page.getByRole("tab", { name: "OAuth" }).click();
  assert.equal(await page.getByLabel("OAuth flow").locator("[data-stage=step-up]").getAttribute("class"), "ok");
});

test("the authorization server's audit log, filterable", { timeout: 30_000 }, async () => {
  await page.getByRole("tab", { name: "Audit" }).click();
  const table = page.getByRole("table", { name: "Audit log" });
  await table
    .locator("[data-audit-type=token_issued]")
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(async (err: Error) => {
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-audit-failed.png") });
      throw err;
    });
  await table.locator("[data-audit-type=mcp_request]").first().waitFor();
  await page.getByLabel("Type").selectOption("login");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("[data-audit-type]")).every((r) => r.getAttribute("data-audit-type") === "login"),
  );
  const types = await table.locator("[data-audit-type]").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-audit-type")));
  assert.ok(types.length >= 1 && types.every((t) => t === "login"), String(types));
  await table.getByText("alice").first().waitFor();
  await page.getByLabel("Type").selectOption("");
  await page.getByRole("button", { name: "Search" }).click();
  await table.locator("[data-audit-type=mcp_request]").first().waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-audit.png") });
});

test("the API refuses a request without the token, from another Host, or from another page's Origin", async () => {
  const d = new Dashboard({ token: "t0k3n" });
  const get = (path: string, headers: Record<string, string> = {}) =>
    d.fetch(new Request(`http://127.0.0.1:9/${path}`, { headers: { host: "127.0.0.1:9", ...headers } }));
  assert.equal((await get("api/connections")).status, 401);
  assert.equal((await get("api/connections?token=wrong")).status, 401);
  assert.equal((await get("api/connections?token=t0k3n")).status, 200);
  assert.equal((await get("api/connections?token=t0k3n", { host: "evil.example" })).status, 403);
  assert.equal((await get("api/connections?token=t0k3n", { origin: "http://evil.example" })).status, 403);
  const page = await get("?token=t0k3n");
  assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("set-cookie"), null, "no cookie: browsers share cookies across every port of 127.0.0.1");
  await d.close();
});

test("a request target that names another host (//host/path) is refused before the Origin check can be fooled", async () => {
  const u = new URL(dashboardUrl);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: u.port,
        method: "POST",
        path: `//127.0.0.1:${u.port}/api/connections?token=${u.searchParams.get("token")}`,
        headers: { origin: `http://127.0.0.1:${u.port}`, "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
  assert.equal(status, 400);
});

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): `trellis inspect` on the
 * everything example; a tool called from its generated form; a long task whose bar reaches 100 %; an elicitation
 * answered in its form; and a third-party server (@modelcontextprotocol/server-filesystem) started over stdio
 * after the consent step, its tools listed. Screenshots of each view go to test-artifacts/. The API's guards (token,
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
let inspect: ChildProcess;
let dashboardUrl: string;
let browser: Browser;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trellis-dashboard-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await spawnServer([SERVER, "--port", "0", "--database", join(dir, "e.db")], { cwd: dir });
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
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(dashboardUrl);
});

after(async () => {
  await browser?.close();
  inspect?.kill("SIGTERM");
  server?.child.kill();
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

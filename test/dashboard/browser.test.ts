/**
 * The dashboard page in Debian's Chromium against a scripted server (in this process, so that a test decides when
 * the server answers): the links a server asks the person to open, questions across a page reload, an answer
 * that fails, completion answered out of order, a call running while another waits, a failed stdio start, and
 * page loads that make no failed request. Screenshots go to test-artifacts/.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { type DashboardHandle, serveDashboard } from "../../src/dashboard/index.js";
import { McpServer } from "../../src/server/index.js";
import { type HttpServerHandle, serveHttp } from "../../src/transports/http/index.js";
import { ARTIFACTS, launch } from "../fixtures/apps.js";

let mcp: HttpServerHandle;
let dashboard: DashboardHandle;
let welcome: Server;
let welcomeUrl: string;
let browser: Browser;
let page: Page;

/** The scripted server: tools that ask the person, one that waits for the test, and a prompt with completion. */
function scriptedServer(): McpServer {
  const server = new McpServer({ name: "scripted", version: "1.0.0" });
  server.registerTool(
    "open_page",
    {
      description: "Asks the person to open a page (URL-mode elicitation)",
      inputSchema: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
    },
    async ({ url }, ctx) => {
      const r = await ctx.elicit({ mode: "url", url: String(url), message: "Finish on this page." });
      return `open_page: action=${r.action}`;
    },
  );
  return server;
}

before(async () => {
  mcp = await serveHttp(scriptedServer(), { eventStore: "memory", sessionStore: "memory" });
  // A page for allowed links to open, that says who sent the browser there.
  welcome = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<p>welcome</p>"));
  await new Promise<void>((r) => welcome.listen(0, "127.0.0.1", r));
  welcomeUrl = `http://127.0.0.1:${(welcome.address() as { port: number }).port}/welcome`;
  dashboard = await serveDashboard();
  await dashboard.dashboard.connect({ url: mcp.url });
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(dashboard.url);
  await page.getByRole("heading", { name: /scripted/ }).waitFor();
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  await mcp?.close();
  await new Promise<void>((r) => (welcome ? welcome.close(() => r()) : r()));
});

/** call picks a tool in the Tools tab, fills its string arguments and presses Call. */
async function call(tool: string, args: Record<string, string> = {}): Promise<void> {
  await page.getByRole("tab", { name: "Tools" }).click();
  await page.getByRole("button", { name: tool, exact: true }).click();
  for (const [k, v] of Object.entries(args)) await page.getByLabel(new RegExp(`^${k}`)).fill(v);
  await page.getByRole("button", { name: "Call", exact: true }).click();
}

const urlQuestion = () => page.getByRole("dialog", { name: "The server asks you to open a page" });

test("a javascript: link is shown as inert text with the reason, never as a link, and declining reaches the server", async () => {
  const url = `javascript:alert(document.domain)//"><img src=x onerror=alert(1)>`;
  await call("open_page", { url });
  const q = urlQuestion();
  await q.waitFor();
  await q.locator("[data-refused]").waitFor();
  assert.match((await q.locator("[data-refused]").textContent()) ?? "", /will not open this link: its scheme is javascript:/);
  assert.equal(await q.locator("[data-url]").textContent(), url, "the URL is shown as it came, as text");
  assert.equal(await q.locator("a, img").count(), 0, "no link, and nothing the URL's text tried to inject");
  assert.equal(await q.getByRole("button", { name: "Open it" }).count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-link-refused.png") });
  await q.getByRole("button", { name: "Decline" }).click();
  await page.locator(".block", { hasText: "open_page: action=decline" }).waitFor();
  await q.waitFor({ state: "detached" });
});

test("a link with a user name and password in it is refused as a phishing aid", async () => {
  await call("open_page", { url: "https://bank.example:secret@evil.example/login" });
  const q = urlQuestion();
  await q.locator("[data-refused]", { hasText: /user name or password/ }).waitFor();
  assert.equal(await q.locator("a").count(), 0);
  await q.getByRole("button", { name: "Decline" }).click();
  await page.locator(".block", { hasText: "open_page: action=decline" }).waitFor();
  await q.waitFor({ state: "detached" });
});

test("the dashboard's server refuses the link too: an 'accept' sent for a refused link reaches the server as a decline", async () => {
  await call("open_page", { url: "data:text/html,<script>alert(1)</script>" });
  const q = urlQuestion();
  await q.locator("[data-refused]", { hasText: /scheme is data:/ }).waitFor();
  const id = await q.getAttribute("data-question");
  assert.ok(id, "the question's id is on its dialog");
  // Bypass the page's own check: answer through the API as a page that ignored the refusal would.
  const status = await page.evaluate(
    async ([id, token]) =>
      (
        await fetch(`/api/answer?token=${token}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id, result: { action: "accept" } }),
        })
      ).status,
    [id, new URL(dashboard.url).searchParams.get("token")!],
  );
  assert.equal(status, 200);
  await page.locator(".block", { hasText: "open_page: action=decline" }).waitFor();
});

test("an allowed link opens in a new tab with rel=noopener noreferrer: no opener, no referrer", async () => {
  await call("open_page", { url: welcomeUrl });
  const q = urlQuestion();
  const open = q.getByRole("link", { name: "Open it" });
  await open.waitFor();
  assert.equal(await open.getAttribute("href"), welcomeUrl);
  assert.equal(await open.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await open.getAttribute("target"), "_blank");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-link-allowed.png") });
  const opened = page.context().waitForEvent("page");
  await open.click();
  const tab = await opened;
  await tab.getByText("welcome").waitFor();
  assert.deepEqual(await tab.evaluate(() => ({ opener: window.opener, referrer: document.referrer })), { opener: null, referrer: "" });
  await tab.close();
  await page.locator(".block", { hasText: "open_page: action=accept" }).waitFor();
});

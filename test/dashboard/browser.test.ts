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
import { Dashboard, type DashboardHandle, serveDashboard } from "../../src/dashboard/index.js";
import { type HttpServerHandle, serveHttp } from "../../src/transports/http/index.js";
import { ARTIFACTS, launch } from "../fixtures/apps.js";
import { waitFor } from "../helpers.js";
import { type Script, scriptedServer } from "./scripted-server.js";

let mcp: HttpServerHandle;
let dashboard: DashboardHandle;
let welcome: Server;
let welcomeUrl: string;
let browser: Browser;
let page: Page;
let script: Script;

before(async () => {
  const scripted = scriptedServer();
  script = scripted.script;
  mcp = await serveHttp(scripted.server, { eventStore: "memory", sessionStore: "memory" });
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
  // Answered elsewhere: the dashboard says so, and the page takes the question down.
  await q.waitFor({ state: "detached" });
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

const nameQuestion = () => page.getByRole("dialog", { name: "scripted asks" });

test("after a reload, a question answered before it does not come back; one still waiting does, and can be answered", async () => {
  await call("ask_name", { label: "before the reload" });
  await nameQuestion().getByLabel(/^Name/).fill("ada");
  await nameQuestion().getByRole("button", { name: "Accept" }).click();
  await page.locator(".block", { hasText: "ask_name: action=accept name=ada" }).waitFor();
  await nameQuestion().waitFor({ state: "detached" });
  await call("ask_name", { label: "still waiting" });
  await nameQuestion().waitFor();
  await page.reload();
  await page.getByRole("heading", { name: /scripted/ }).waitFor();
  await page.getByRole("dialog", { name: "scripted asks" }).filter({ hasText: "still waiting" }).waitFor();
  // The stream delivers old events before the list of what is pending: by now an answered question would show.
  const shown = (await page.getByRole("dialog").allTextContents()).map((t) => /\(([^)]+)\)/.exec(t)?.[1]);
  assert.deepEqual(shown, ["still waiting"], "only the question still waiting");
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-reloaded-question.png") });
  await nameQuestion().getByLabel(/^Name/).fill("grace");
  await nameQuestion().getByRole("button", { name: "Accept" }).click();
  await nameQuestion().waitFor({ state: "detached" });
  await waitFor(() => script.answers.includes("accept grace"), 10_000);
  assert.equal(await page.locator("[data-answer-error]").count(), 0);
});

test("a question its server withdraws goes away", async () => {
  await call("ask_then_withdraw");
  const q = page.getByRole("dialog", { name: "scripted asks" });
  await q.getByText("Soon withdrawn").waitFor();
  script.withdrawQuestion!();
  await q.waitFor({ state: "detached" });
  await page.locator(".block", { hasText: "ask_then_withdraw: withdrawn" }).waitFor();
});

test("an answer the dashboard refuses shows why in the question, which stays to be answered again", async () => {
  await call("ask_name");
  // Accept without the required name: the dashboard checks the answer against the server's schema first.
  await nameQuestion().getByRole("button", { name: "Accept" }).click();
  const why = nameQuestion().locator("[data-answer-error]");
  await why.waitFor();
  assert.match((await why.textContent()) ?? "", /The answer was not taken: .*missing required field "name"/);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-answer-refused.png") });
  await nameQuestion().getByLabel(/^Name/).fill("lin");
  await nameQuestion().getByRole("button", { name: "Accept" }).click();
  await page.locator(".block", { hasText: "ask_name: action=accept name=lin" }).waitFor();
});

test("a Send that fails (the question is gone) says so in the page, not only in the console", async () => {
  await call("ask_model");
  const q = page.getByRole("dialog", { name: "The server asks the model" });
  await q.getByLabel("Answer as the model").fill("hello");
  // The dashboard answers 404 once, as it does for a question that is no longer waiting.
  await page.route(
    "**/api/answer?*",
    (route) =>
      route.fulfill({
        status: 404,
        contentType: "application/json",
        body: JSON.stringify({ error: "no question with this id is waiting" }),
      }),
    { times: 1 },
  );
  await q.getByRole("button", { name: "Send" }).click();
  await q.locator("[data-answer-error]", { hasText: "no question with this id is waiting" }).waitFor();
  await q.getByRole("button", { name: "Send" }).click();
  await page.locator(".block", { hasText: "ask_model: hello" }).waitFor();
  await q.waitFor({ state: "detached" });
});

test("completion answers that come back out of order: the suggestions shown are for the latest input", async () => {
  await page.getByRole("tab", { name: "Prompts" }).click();
  await page.getByRole("button", { name: "trip", exact: true }).click();
  const city = page.getByLabel(/^city/);
  // The focus asks for "" (held at the server), then typing asks for "pa", answered at once.
  await city.fill("pa");
  await page.locator('datalist option[value="paris"]').waitFor({ state: "attached" });
  assert.deepEqual([...script.completions].sort(), ["", "pa"]);
  script.releaseEmptyCompletion();
  // Wait until the late answer for "" is in (the input is busy until then) — or, where it is not dropped, shown.
  await page.waitForFunction(
    () =>
      document.querySelector("input[list]")?.getAttribute("aria-busy") === "false" ||
      document.querySelectorAll("datalist option").length !== 3,
  );
  const shown = await page.locator("datalist option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.deepEqual(shown, ["paris", "park", "party"]);
  await city.fill("paris");
  await page.getByRole("button", { name: "Get" }).click();
  await page.getByText("A trip to paris").waitFor();
});

test("while one call waits, other tools can be called; the waiting one's Call is off, and the page says why", async () => {
  await call("hold");
  await script.holdStarted;
  await page.getByRole("button", { name: "echo", exact: true }).click();
  const callButton = page.getByRole("button", { name: "Call", exact: true });
  assert.equal(await callButton.isEnabled(), true, "echo can be called while hold waits");
  await page.getByLabel(/^text/).fill("meanwhile");
  await callButton.click();
  await page.locator(".block", { hasText: "echo: meanwhile" }).waitFor();
  await page.getByRole("button", { name: "hold", exact: true }).click();
  assert.equal(await callButton.isDisabled(), true, "hold's own call is still out");
  assert.match((await page.locator("[data-call-why]").textContent()) ?? "", /Waiting for this call's answer.*other tools can be called/);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-call-waiting.png") });
  script.releaseHold();
  await page.locator(".block", { hasText: "hold: released" }).waitFor();
  assert.equal(await callButton.isEnabled(), true);
  assert.equal(await page.locator("[data-call-why]").textContent(), "");
});

test("a page load, and a reload, make no failed request and log no error (the browser's own /favicon.ico included)", async () => {
  const fresh = await (await browser.newContext()).newPage();
  const failures: string[] = [];
  fresh.on("response", (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
  });
  fresh.on("requestfailed", (r) => {
    // Leaving the page ends its event stream: that abort is not a failure.
    if (!(r.failure()?.errorText === "net::ERR_ABORTED" && new URL(r.url()).pathname === "/api/events"))
      failures.push(`${r.failure()?.errorText} ${r.url()}`);
  });
  fresh.on("console", (m) => {
    if (m.type() === "error") failures.push(`console error: ${m.text()}`);
  });
  fresh.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  // Each load is followed by a request that goes all the way to the server, so whatever the load set off is done.
  const loaded = async () => {
    await fresh.getByRole("heading", { name: /scripted/ }).waitFor();
    await fresh.getByRole("tab", { name: "Prompts" }).click();
    await fresh.getByRole("button", { name: "trip", exact: true }).waitFor();
  };
  await fresh.goto(dashboard.url);
  await loaded();
  await fresh.reload();
  await loaded();
  assert.deepEqual(failures, []);
  assert.ok(await fresh.locator('head link[rel="icon"][href^="data:"]').count(), "the page names its icon, so the browser asks for none");
  await fresh.context().close();
});

test("a stdio server that fails to start: the words run are the ones typed, and the page shows the start's whole error, as text", {
  timeout: 60_000,
}, async () => {
  const script = "console.error('boom: missing API_KEY'); process.exit(1)";
  // What the dashboard's own start of that command says (the connect error's message, which carries the server's
  // stderr once the stdio transport reports it): the page must show exactly that.
  const d = new Dashboard();
  const expected = await d.connect({ command: [process.execPath, "-e", script] }).then(
    () => assert.fail("the command started"),
    (e: Error) => e.message,
  );
  await d.close();
  await page.getByLabel("Or start a command (stdio)").fill(`${process.execPath} -e "${script}"`);
  const words = page.locator("p.hint", { hasText: "This runs on your machine" }).locator("code");
  assert.equal(
    await words.textContent(),
    [process.execPath, "-e", script].map((w) => JSON.stringify(w)).join(" "),
    "split as a shell would",
  );
  await page.getByLabel("I trust this command; run it").check();
  await page.getByRole("button", { name: "Start" }).click();
  const error = page.locator("[data-start-error]");
  await error.waitFor();
  // innerText, not textContent: the text as drawn, so a line break that did not render would show.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
  assert.equal(await error.locator("pre").innerText(), expected);
  // A process's words may run over lines and hold markup: each line shown on its own, the markup as text.
  const message = "connection closed: the server exited with code 1\nboom: missing API_KEY\n<b>not bold</b> & <img src=x onerror=alert(1)>";
  await page.route(
    "**/api/connect?*",
    (route) => route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify({ error: message }) }),
    { times: 1 },
  );
  await page.getByRole("button", { name: "Start" }).click();
  await error.locator("pre", { hasText: "not bold" }).waitFor();
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
  assert.equal(await error.locator("pre").innerText(), message);
  assert.equal(await error.locator("b, img").count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "dashboard-start-failed.png") });
});

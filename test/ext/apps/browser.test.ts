/**
 * MCP Apps in a real browser (Debian's chromium, headless, driven by playwright-core): views rendered by the
 * Trellis host through the sandbox proxy on a second origin, and the everything example's view inside the
 * official ext-apps AppBridge. Screenshots go to test-artifacts/.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { ARTIFACTS, bundle, launch, probeServer, rig, type AppsRig } from "../../fixtures/apps.js";
import { spawnServer } from "../../helpers.js";
import { DICE_VIEW_HTML } from "../../../examples/everything/app-view.js";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The view inside the n-th mounted view's sandbox proxy. */
const viewFrame = (page: Page, n = 0): FrameLocator => page.frameLocator("iframe[data-view-id]").nth(n).frameLocator("iframe");

async function open(r: AppsRig): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 760, height: 640 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(r.url);
  await page.waitForFunction(() => (window as unknown as { hostReady?: boolean }).hostReady === true);
  return page;
}

test("the everything example's view renders in the Trellis host, gets its input and result, rolls through the app-only tool, and gets its history back when shown again", async () => {
  const r = await rig();
  try {
    const page = await open(r);
    await page.evaluate(() => (window as any).showTool("show_dice", { sides: 6 }, "call-1"));
    const view = viewFrame(page);
    await view.locator("#status").filter({ hasText: "Ready: a 6-sided die" }).waitFor();
    assert.equal(await view.locator("#input").textContent(), 'Asked for: {"sides":6}');
    await view.locator("#roll").click();
    await view
      .locator("#result")
      .filter({ hasText: /You rolled [1-6]/ })
      .waitFor();
    await view.locator("#roll").click();
    await view
      .locator("#history")
      .filter({ hasText: /Rolls so far: [1-6], [1-6]/ })
      .waitFor();
    const history = await view.locator("#history").textContent();
    const height = await page.locator("iframe[data-view-id]").evaluate((f) => (f as HTMLIFrameElement).style.height);
    assert.notEqual(height, "120px", "the frame follows the size the view reports");
    await page.screenshot({ path: join(ARTIFACTS, "apps-dice-view.png") });
    // the same tool call shown again: a new view instance, the saved history comes back
    await page.evaluate(() => (window as any).showTool("show_dice", { sides: 6 }, "call-1"));
    await viewFrame(page, 1).locator("#history").filter({ hasText: history! }).waitFor();
    // another tool call starts fresh
    await page.evaluate(() => (window as any).showTool("show_dice", { sides: 6 }, "call-2"));
    await viewFrame(page, 2).locator("#history").filter({ hasText: "No rolls yet" }).waitFor();
    assert.equal(r.host.auditLog.length, 3);
    assert.equal(r.host.auditLog[0]!.uri, "ui://everything/dice.html");
    await page.close();
  } finally {
    await r.close();
  }
});

test("a view written with the official ext-apps App SDK runs in the Trellis host: tool input and result arrive, an app tool is called through the bridge, a model-only tool is refused", async () => {
  const r = await rig();
  try {
    const page = await open(r);
    await page.evaluate(() => (window as any).showTool("sdk_tool", { q: 42 }));
    const view = viewFrame(page);
    await view.locator("#status").filter({ hasText: "connected to trellis-host" }).waitFor();
    await view.locator("#input").filter({ hasText: 'input {"q":42}' }).waitFor();
    await view.locator("#result").filter({ hasText: 'result {"echoed":{"q":42}}' }).waitFor();
    await view.locator("body").evaluate(() => (window as any).callTool("app_echo"));
    await view.locator("#call").filter({ hasText: "app_echo -> echo: from the view" }).waitFor();
    await view.locator("body").evaluate(() => (window as any).callTool("model_only"));
    await view
      .locator("#call")
      .filter({ hasText: /model_only -> refused: .*not available to views/ })
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "apps-sdk-view.png") });
    // and the model's list: app-only tools are not in it, model-only ones are
    const names = (await r.host.modelTools()).map((t) => t.name);
    assert.ok(names.includes("model_only") && names.includes("show_dice") && names.includes("sdk_tool"));
    assert.ok(!names.includes("app_echo") && !names.includes("roll_dice"));
    await page.close();
  } finally {
    await r.close();
  }
});

test("a view that fetches an undeclared origin is blocked by the CSP (the request never leaves the browser); a declared one is reached", async () => {
  const allowed = await probeServer();
  const undeclared = await probeServer();
  const r = await rig({ csp: { allowed: allowed.origin, undeclared: undeclared.origin } });
  try {
    const page = await open(r);
    await page.evaluate(() => (window as any).showTool("csp_tool", {}));
    const view = viewFrame(page);
    await view.locator("#allowed").filter({ hasText: "reached: pong" }).waitFor();
    await view.locator("#undeclared").filter({ hasText: "blocked: TypeError" }).waitFor();
    assert.deepEqual(allowed.hits, ["/from-view"]);
    assert.deepEqual(undeclared.hits, []);
    const audit = r.host.auditLog.at(-1)!;
    assert.deepEqual(audit.granted.connectDomains, [allowed.origin]);
    assert.match(audit.policy, new RegExp(`connect-src 'self' ${allowed.origin.replace(/[.:/]/g, "\\$&")};`));
    await page.screenshot({ path: join(ARTIFACTS, "apps-csp-view.png") });
    await page.close();
  } finally {
    await r.close();
    await allowed.close();
    await undeclared.close();
  }
});

test("the everything example's view renders inside the official ext-apps AppBridge and calls its tool through it", async () => {
  const bridgeJs = await bundle(`export { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";`, "esm");
  const pages: Record<string, string> = { "/bridge.js": bridgeJs };
  const r = await rig({ extraPages: pages });
  pages["/bridge.html"] =
    `<!doctype html><html><head><meta charset="utf-8"><title>AppBridge host</title></head><body><h2>Official AppBridge</h2><div id="log"></div>
<iframe id="view" sandbox="allow-scripts allow-same-origin allow-forms" style="width:100%;height:320px;border:1px solid #ccc"></iframe>
<script type="module">
import { AppBridge, PostMessageTransport } from "/bridge.js";
const iframe = document.getElementById("view");
const html = ${JSON.stringify(DICE_VIEW_HTML).replace(/</g, "\\u003c")};
const bridge = new AppBridge(null, { name: "official-bridge", version: "1" }, { serverTools: {} }, { hostContext: { theme: "dark", displayMode: "inline" } });
bridge.oncalltool = async (params) => {
  const r = await fetch("/apps/tools/call-direct", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });
  return r.json();
};
bridge.addEventListener("sandboxready", () => bridge.sendSandboxResourceReady({ html }));
bridge.addEventListener("initialized", () => {
  bridge.sendToolInput({ arguments: { sides: 6 } });
  bridge.sendToolResult({ content: [{ type: "text", text: "ready" }], structuredContent: { sides: 6 } });
});
await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
iframe.src = ${JSON.stringify(r.sandboxUrl)};
window.hostReady = true;
</script></body></html>`;
  try {
    const page = await browser.newPage({ viewport: { width: 760, height: 520 } });
    page.on("pageerror", (e) => process.stderr.write(`bridge page error: ${e.message}\n`));
    // the official bridge's tools/call goes to this endpoint, answered here by the host's own MCP client
    await page.route("**/apps/tools/call-direct", async (route) => {
      const params = JSON.parse(route.request().postData() ?? "{}");
      const result = await r.client.callTool(params.name, params.arguments);
      await route.fulfill({ contentType: "application/json", body: JSON.stringify(result) });
    });
    await page.goto(`${r.url}/bridge.html`);
    await page.waitForFunction(() => (window as any).hostReady === true);
    const view = page.frameLocator("#view").frameLocator("iframe");
    await view.locator("#status").filter({ hasText: "Ready: a 6-sided die" }).waitFor();
    assert.equal(await view.locator("body").getAttribute("data-theme"), "dark");
    await view.locator("#roll").click();
    await view
      .locator("#result")
      .filter({ hasText: /You rolled [1-6]/ })
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "apps-official-bridge.png") });
    await page.close();
  } finally {
    await r.close();
  }
});

test("the apps-host example against the everything example: the page lists the model's tools, calls show_dice, and the view rolls", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-apps-host-"));
  const everything = fileURLToPath(new URL("../../../examples/everything/server.js", import.meta.url));
  const hostJs = fileURLToPath(new URL("../../../examples/apps-host/host.js", import.meta.url));
  const server = await spawnServer([everything, "--port", "0", "--database", join(dir, "db.sqlite")], { cwd: dir });
  const host = await spawnServer([hostJs, server.url], { cwd: dir, ready: /apps host listening on (\S+)/ });
  try {
    const page = await browser.newPage({ viewport: { width: 820, height: 900 } });
    await page.goto(host.url);
    const dice = page.locator(".tool", { hasText: "Show the dice roller" });
    await dice.waitFor();
    assert.equal(await page.locator(".tool", { hasText: "roll_dice" }).count(), 0, "app-only tools are not offered to the model");
    await dice.locator("button").click();
    const view = viewFrame(page);
    await view.locator("#status").filter({ hasText: "Ready: a 6-sided die" }).waitFor();
    await view.locator("#roll").click();
    await view
      .locator("#result")
      .filter({ hasText: /You rolled [1-6]/ })
      .waitFor();
    await view
      .locator("#history")
      .filter({ hasText: /Rolls so far: [1-6]/ })
      .waitFor();
    await page.locator("#views").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "apps-host-example.png"), fullPage: true });
    await page.close();
  } finally {
    host.child.kill();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

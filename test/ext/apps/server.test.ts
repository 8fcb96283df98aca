/**
 * MCP Apps, server side: what views and app tools put on the wire (as the official ext-apps helpers do), the
 * checks at registration, and the text-only fallback for clients without Apps support.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../../src/server/index.js";
import { McpClient, StreamableHttpClientTransport, defineClientExtension } from "../../../src/client/index.js";
import { serveHttp } from "../../../src/transports/http/index.js";
import { MemoryTransport } from "../../../src/index.js";
import { APP_MIME_TYPE, APPS_EXTENSION, appsClient, appsServer } from "../../../src/ext/apps/index.js";

const HTML = "<!doctype html><html><body>view</body></html>";

function server() {
  const s = new McpServer({ name: "apps", version: "1" });
  const apps = s.use(appsServer());
  apps.registerView("ui://w/view.html", {
    name: "Weather",
    html: HTML,
    csp: { connectDomains: ["https://api.weather.example"], resourceDomains: ["https://*.cdn.example"] },
    permissions: { geolocation: {} },
    prefersBorder: false,
  });
  apps.registerAppTool("forecast", { description: "forecast", view: "ui://w/view.html" }, (_a, ctx) => `apps: ${apps.supportsApps(ctx)}`);
  apps.registerAppTool("refresh", { view: "ui://w/view.html", visibility: ["app"] }, () => "refreshed");
  apps.registerAppTool("plain_meta", { visibility: ["model", "app"], _meta: { "com.example/x": 1 } }, () => "x");
  s.registerTool("plain", {}, () => "plain");
  return s;
}

async function connect(s: McpServer, ext?: Parameters<McpClient["use"]>[0]) {
  const client = new McpClient({ name: "c", version: "1" });
  if (ext) client.use(ext);
  const [a, b] = MemoryTransport.createPair();
  s.connect(a);
  await client.connect(b);
  return client;
}

test("with a client that renders views: tools carry _meta.ui and the legacy key; the view reads as the MIME type with _meta.ui", async () => {
  const client = await connect(server(), appsClient());
  assert.deepEqual(client.capabilities.extensions, { [APPS_EXTENSION]: { mimeTypes: [APP_MIME_TYPE] } });
  assert.deepEqual(client.serverCapabilities?.extensions, { [APPS_EXTENSION]: {} });
  const tools = Object.fromEntries((await client.listAllTools()).map((t) => [t.name, t]));
  assert.deepEqual(tools.forecast!._meta, { ui: { resourceUri: "ui://w/view.html" }, "ui/resourceUri": "ui://w/view.html" });
  assert.deepEqual(tools.refresh!._meta, {
    ui: { resourceUri: "ui://w/view.html", visibility: ["app"] },
    "ui/resourceUri": "ui://w/view.html",
  });
  const read = await client.readResource("ui://w/view.html");
  const ui = {
    csp: { connectDomains: ["https://api.weather.example"], resourceDomains: ["https://*.cdn.example"] },
    permissions: { geolocation: {} },
    prefersBorder: false,
  };
  assert.deepEqual(read.contents, [{ uri: "ui://w/view.html", mimeType: APP_MIME_TYPE, text: HTML, _meta: { ui } }]);
  const listed = (await client.listAllResources()).find((r) => r.uri === "ui://w/view.html");
  assert.deepEqual(listed, { uri: "ui://w/view.html", name: "Weather", mimeType: APP_MIME_TYPE, _meta: { ui } });
  assert.equal(((await client.callTool("forecast")).content[0] as { text: string }).text, "apps: true");
  assert.equal(((await client.callTool("refresh")).content[0] as { text: string }).text, "refreshed");
  await client.close();
});

test("without Apps support (or with other MIME types): app-only tools are hidden and refused, the others lose their UI metadata", async () => {
  for (const ext of [undefined, defineClientExtension({ id: APPS_EXTENSION, settings: { mimeTypes: ["text/uri-list"] }, setup() {} })]) {
    const client = await connect(server(), ext);
    const tools = Object.fromEntries((await client.listAllTools()).map((t) => [t.name, t]));
    assert.deepEqual(Object.keys(tools).sort(), ["forecast", "plain", "plain_meta"]);
    assert.equal(tools.forecast!._meta, undefined);
    assert.deepEqual(tools.plain_meta!._meta, { "com.example/x": 1 });
    assert.equal(((await client.callTool("forecast")).content[0] as { text: string }).text, "apps: false");
    const refused = await client.callTool("refresh");
    assert.equal(refused.isError, true);
    assert.match((refused.content[0] as { text: string }).text, /only for this server's app views/);
    await client.close();
  }
});

test("stateless HTTP: the client's capabilities are unknown after initialize, so the full Apps shape is served, not the fallback", async () => {
  const http = await serveHttp(server(), { stateless: true });
  // 2025-11-25: at 2026-07-28 every request carries the client's capabilities, so they are never unknown.
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  await client.connect(new StreamableHttpClientTransport(http.url));
  const tools = Object.fromEntries((await client.listAllTools()).map((t) => [t.name, t]));
  assert.deepEqual(Object.keys(tools).sort(), ["forecast", "plain", "plain_meta", "refresh"]);
  assert.equal((tools.forecast!._meta as any).ui.resourceUri, "ui://w/view.html");
  assert.equal(((await client.callTool("refresh")).content[0] as { text: string }).text, "refreshed");
  await client.close();
  await http.close();
});

test("registration checks the URI, the document, the CSP, the permissions, and the tool's link and visibility", () => {
  const apps = new McpServer({ name: "x", version: "1" }).use(appsServer());
  assert.throws(() => apps.registerView("https://x/view.html", { name: "v", html: HTML }), /must use the ui:\/\/ scheme/);
  assert.throws(() => apps.registerView("ui://x/v", { name: "v", html: "<div>frag</div>" }), /complete HTML document/);
  assert.throws(() => apps.registerView("ui://x/v", { name: "v", html: 42 as never }), /html must be the HTML document/);
  assert.throws(
    () => apps.registerView("ui://x/v", { name: "v", html: HTML, csp: { connectDomains: ["*"] } }),
    /csp.connectDomains entry "\*" must be an origin/,
  );
  assert.throws(
    () => apps.registerView("ui://x/v", { name: "v", html: HTML, csp: { frameDomains: ["https://*.x.com"] } }),
    /wildcards are for resourceDomains only/,
  );
  assert.throws(
    () => apps.registerView("ui://x/v", { name: "v", html: HTML, csp: { scriptDomains: [] } as never }),
    /unknown csp fields scriptDomains/,
  );
  assert.throws(
    () => apps.registerView("ui://x/v", { name: "v", html: HTML, permissions: { usb: {} } as never }),
    /unknown permissions usb/,
  );
  assert.throws(() => apps.registerAppTool("t", { view: "ui://x/missing" }, () => ""), /is not registered; call registerView/);
  assert.throws(() => apps.registerAppTool("t", { visibility: [] }, () => ""), /visibility must list "model", "app" or both/);
  assert.throws(() => apps.registerAppTool("t", { visibility: ["admin"] as never }, () => ""), /visibility must list/);
  assert.throws(() => apps.registerAppTool("t", {}, () => ""), /a tool with neither is a plain tool/);
});

test("a view whose html is produced at read time is checked then; a broken one is an error, not a document", async () => {
  const s = new McpServer({ name: "x", version: "1" });
  const apps = s.use(appsServer());
  let html = HTML;
  apps.registerView("ui://x/live", { name: "live", html: () => html });
  const client = await connect(s, appsClient());
  assert.equal((await client.readResource("ui://x/live")).contents[0]!.mimeType, APP_MIME_TYPE);
  html = "not html";
  await assert.rejects(client.readResource("ui://x/live"), /complete HTML document/);
  await client.close();
});

/**
 * AppHost: needs a client that declared Apps; gives the model only model-visible tools; fetches and checks views
 * (type, document, size), builds their CSP and audits it; a model call to a view tool opens the view and feeds it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer, defineExtension } from "../../../src/server/index.js";
import { McpClient } from "../../../src/client/index.js";
import { MemoryTransport } from "../../../src/index.js";
import { AppHost, APP_MIME_TYPE, APPS_EXTENSION, appsClient } from "../../../src/ext/apps/index.js";
import { hostFixture, initView } from "../../fixtures/apps-host.js";

test("a client that did not declare Apps support cannot host views", () => {
  assert.throws(() => new AppHost(new McpClient({ name: "c", version: "1" })), /client.use\(appsClient\(\)\) before client.connect\(\)/);
});

test("the model's tool list leaves out tools only views may call", async () => {
  const { host, client } = await hostFixture();
  assert.deepEqual((await host.modelTools()).map((t) => t.name).sort(), ["bare", "fails", "model_only", "show"]);
  await assert.rejects(host.callTool("helper", {}), /only for views/);
  await client.close();
});

test("callTool opens the tool's view, feeds it the arguments and the result, and audits the view's CSP", async () => {
  const audits: unknown[] = [];
  const { host, client } = await hostFixture({ onAudit: (r) => void audits.push(r), frameAncestors: ["http://127.0.0.1:3000"] });
  const { result, view } = await host.callTool("show", { city: "Oslo" }, { toolCallId: 7 });
  assert.deepEqual(result.structuredContent, { args: { city: "Oslo" } });
  assert.ok(view);
  const sent: any[] = [];
  view.onsend = (m) => sent.push(m);
  await initView(view);
  assert.deepEqual(
    sent.map((m) => [m.method, m.params]),
    [
      ["ui/notifications/tool-input", { arguments: { city: "Oslo" } }],
      ["ui/notifications/tool-result", result],
    ],
  );
  assert.equal(audits.length, 1);
  const a = host.auditLog[0]!;
  assert.equal(a.tool, "show");
  assert.equal(a.uri, "ui://t/view.html");
  assert.deepEqual(a.granted.connectDomains, ["https://api.example.com"]);
  assert.match(a.policy, /frame-ancestors http:\/\/127\.0\.0\.1:3000$/);
  const bare = await host.openView("bare");
  assert.equal(bare.cspDeclared, false);
  assert.match(bare.csp.policy, /^default-src 'none'.*connect-src 'none'/);
  const plain = await host.callTool("fails", {});
  assert.equal(plain.view, undefined);
  assert.equal(plain.result.isError, true);
  await client.close();
});

test("device permissions a view asks for are granted only through grantPermissions; the audit shows both", async () => {
  const none = await hostFixture();
  const v1 = await none.host.openView("show");
  assert.equal(v1.allow, "");
  assert.deepEqual(none.host.auditLog[0]!.permissions, { camera: {}, clipboardWrite: {} });
  assert.deepEqual(none.host.auditLog[0]!.grantedPermissions, {});
  await none.client.close();
  const asked: unknown[] = [];
  const some = await hostFixture({
    grantPermissions: (requested, view) => {
      asked.push([requested, view.tool, view.uri]);
      return { clipboardWrite: {}, microphone: {} }; // microphone was not asked for: not granted
    },
  });
  const v2 = await some.host.openView("show");
  assert.equal(v2.allow, "clipboard-write");
  assert.deepEqual(asked, [[{ camera: {}, clipboardWrite: {} }, "show", "ui://t/view.html"]]);
  assert.deepEqual(some.host.auditLog[0]!.grantedPermissions, { clipboardWrite: {} });
  await some.client.close();
});

/** A server that serves a "view" of its choosing at ui://bad/view. */
async function hostOf(content: Record<string, unknown>) {
  const server = new McpServer({ name: "bad", version: "1" });
  server.use(defineExtension({ id: APPS_EXTENSION, setup: () => {} }));
  server.registerResource("ui://bad/view", { name: "v" }, () => ({ contents: [{ uri: "ui://bad/view", ...content } as never] }));
  server.registerTool("t", { _meta: { ui: { resourceUri: "ui://bad/view" } } }, () => "x");
  const client = new McpClient({ name: "c", version: "1" });
  client.use(appsClient());
  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  await client.connect(b);
  return { host: new AppHost(client, { maxHtmlBytes: 1000 }), client };
}

test("a view that is not what it must be is refused before anything renders it", async () => {
  const html = "<!doctype html><html></html>";
  for (const [content, why] of [
    [{ mimeType: "text/html", text: html }, /served as "text\/html", not text\/html;profile=mcp-app/],
    [{ mimeType: APP_MIME_TYPE, text: "<script>x</script>" }, /complete HTML document/],
    [{ mimeType: APP_MIME_TYPE, text: `<!doctype html><html>${"x".repeat(2000)}</html>` }, /at most 1000/],
    [{ mimeType: APP_MIME_TYPE, blob: "%%%" }, /not base64/],
  ] as const) {
    const { host, client } = await hostOf(content);
    await assert.rejects(host.openView("t"), why);
    assert.equal(host.auditLog.length, 0);
    await client.close();
  }
  const { host, client } = await hostOf({ mimeType: APP_MIME_TYPE, blob: Buffer.from(html).toString("base64") });
  assert.equal((await host.openView("t")).html, html);
  await assert.rejects(host.openView("nope"), /unknown tool/);
  await client.close();
});

/**
 * The view bridge (ViewSession), driven as a view would drive it: the handshake, nothing sent before it, tool calls
 * checked against visibility, progress forwarded, links and messages only through the host's callbacks, model
 * context, display modes, view state, teardown, and bad messages answered or ignored without harm.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostFixture, initView } from "../../fixtures/apps-host.js";

test("ui/initialize answers the Apps revision, the host, its capabilities and context (with the tool); nothing is sent before initialized", async () => {
  const { host, client } = await hostFixture({ hostContext: { theme: "dark", locale: "en-GB" }, onOpenLink: () => true });
  const view = await host.openView("show", { toolCallId: "c1" });
  const sent: any[] = [];
  view.onsend = (m) => sent.push(m);
  view.toolInput({ city: "Oslo" });
  view.toolResult({ content: [{ type: "text", text: "r" }] });
  assert.equal(sent.length, 0);
  const init = await initView(view);
  assert.equal(init.protocolVersion, "2026-01-26");
  assert.deepEqual(init.hostInfo, { name: "trellis-host", version: "0.1.0" });
  assert.deepEqual(init.hostCapabilities.sandbox.csp.connectDomains, ["https://api.example.com"]);
  assert.ok(init.hostCapabilities.openLinks && !init.hostCapabilities.message);
  assert.ok(init.hostCapabilities.experimental["dev.trellis/view-state"]);
  assert.equal(init.hostContext.theme, "dark");
  assert.equal(init.hostContext.toolInfo.id, "c1");
  assert.equal(init.hostContext.toolInfo.tool.name, "show");
  assert.deepEqual(
    sent.map((m) => m.method),
    ["ui/notifications/tool-input", "ui/notifications/tool-result"],
  );
  view.toolInput({ again: true });
  assert.equal(sent.length, 2, "tool input goes once");
  await client.close();
});

test("tools/call from the view: app-visible tools run (progress forwarded with the view's token), model-only and unknown ones are refused", async () => {
  const { host, client } = await hostFixture();
  const view = await host.openView("show");
  const sent: any[] = [];
  view.onsend = (m) => sent.push(m);
  await initView(view);
  const ok = await view.receive({
    jsonrpc: "2.0",
    id: 5,
    method: "tools/call",
    params: { name: "helper", arguments: { n: 2 }, _meta: { progressToken: 5 } },
  });
  assert.equal((ok!.result as any).content[0].text, "helped 2");
  assert.deepEqual(
    sent.filter((m) => m.method === "notifications/progress").map((m) => m.params),
    [{ progressToken: 5, progress: 1, total: 2, message: "half" }],
  );
  const refused = await view.receive({ jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "model_only" } });
  assert.equal((refused!.error as any).code, -32602);
  assert.match((refused!.error as any).message, /not available to views/);
  const unknown = await view.receive({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "nope" } });
  assert.match((unknown!.error as any).message, /unknown tool/);
  const failing = await view.receive({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "fails" } });
  assert.equal((failing!.result as any).isError, true, "a plain tool is visible to both and its failure is a result");
  const read = await view.receive({ jsonrpc: "2.0", id: 9, method: "resources/read", params: { uri: "ui://t/bare.html" } });
  assert.equal((read!.result as any).contents[0].uri, "ui://t/bare.html");
  await client.close();
});

test("links, messages, model context and display modes go through the host's callbacks, or are refused without them", async () => {
  const opened: string[] = [];
  const messages: unknown[] = [];
  const contexts: unknown[] = [];
  const { host, client } = await hostFixture({
    onOpenLink: (url) => (opened.push(url), !url.includes("deny")),
    onMessage: (m) => void messages.push(m),
    onModelContext: (c) => void contexts.push(c),
    onDisplayMode: (mode) => mode,
  });
  const view = await host.openView("show");
  const sent: any[] = [];
  view.onsend = (m) => sent.push(m);
  await initView(view);
  const call = (method: string, params: unknown) => view.receive({ jsonrpc: "2.0", id: 1, method, params });
  assert.deepEqual((await call("ui/open-link", { url: "https://example.com/a" }))!.result, {});
  assert.deepEqual((await call("ui/open-link", { url: "https://example.com/deny" }))!.result, { isError: true });
  for (const url of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", 42])
    assert.equal(((await call("ui/open-link", { url }))!.error as any).code, -32602, String(url));
  assert.deepEqual(opened, ["https://example.com/a", "https://example.com/deny"]);
  assert.deepEqual((await call("ui/message", { role: "user", content: [{ type: "text", text: "hi" }] }))!.result, {});
  assert.equal(((await call("ui/message", { role: "assistant", content: [] }))!.error as any).code, -32602);
  assert.deepEqual(messages, [{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  await call("ui/update-model-context", { structuredContent: { picked: 3 } });
  assert.deepEqual(view.modelContext, { structuredContent: { picked: 3 } });
  assert.deepEqual(contexts, [{ structuredContent: { picked: 3 } }]);
  assert.deepEqual((await call("ui/request-display-mode", { mode: "fullscreen" }))!.result, { mode: "fullscreen" });
  assert.deepEqual(sent.at(-1).params, { displayMode: "fullscreen" });
  assert.deepEqual(
    (await call("ui/request-display-mode", { mode: "pip" }))!.result,
    { mode: "fullscreen" },
    "pip was not in the view's availableDisplayModes",
  );
  await client.close();

  const plain = await hostFixture();
  const v2 = await plain.host.openView("show");
  await initView(v2);
  assert.equal(
    ((await v2.receive({ jsonrpc: "2.0", id: 1, method: "ui/open-link", params: { url: "https://a.com" } }))!.error as any).code,
    -32601,
  );
  assert.equal(
    ((await v2.receive({ jsonrpc: "2.0", id: 2, method: "ui/message", params: { role: "user", content: [] } }))!.error as any).code,
    -32601,
  );
  assert.deepEqual(
    (await v2.receive({ jsonrpc: "2.0", id: 3, method: "ui/request-display-mode", params: { mode: "fullscreen" } }))!.result,
    { mode: "inline" },
  );
  await plain.client.close();
});

test("view state: saved per server, view and tool call; capped; off when the host turns it off", async () => {
  const { host, client } = await hostFixture();
  const a = await host.openView("show", { toolCallId: "call-1" });
  await initView(a);
  const set = (v: typeof a, state: unknown) =>
    v.receive({ jsonrpc: "2.0", id: 1, method: "dev.trellis/view-state/set", params: { state } });
  const get = async (v: typeof a) =>
    ((await v.receive({ jsonrpc: "2.0", id: 2, method: "dev.trellis/view-state/get", params: {} }))!.result as any).state;
  assert.equal(await get(a), null);
  await set(a, { n: 1 });
  const again = await host.openView("show", { toolCallId: "call-1" });
  assert.deepEqual(await get(again), { n: 1 });
  assert.equal(await get(await host.openView("show", { toolCallId: "call-2" })), null);
  assert.match(((await set(a, "x".repeat(70_000)))!.error as any).message, /at most 65536/);
  await client.close();
  const off = await hostFixture({ viewState: false });
  const v = await off.host.openView("show");
  const init = await initView(v);
  assert.equal(init.hostCapabilities.experimental, undefined);
  assert.equal(((await set(v, 1))!.error as any).code, -32601);
  await off.client.close();
});

test("teardown asks the view and waits for its answer (or a timeout); a closed view gets nothing more", async () => {
  const { host, client } = await hostFixture();
  const view = await host.openView("show");
  const sent: any[] = [];
  view.onsend = (m) => {
    sent.push(m);
    if (m.method === "ui/resource-teardown") setTimeout(() => view.receive({ jsonrpc: "2.0", id: m.id, result: {} }), 20);
  };
  await initView(view);
  const t0 = Date.now();
  await host.closeView(view.id);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(sent.at(-1).method, "ui/resource-teardown");
  assert.equal(host.views.has(view.id), false);
  view.toolResult({ content: [] });
  assert.equal(sent.at(-1).method, "ui/resource-teardown");
  assert.equal(await view.receive({ jsonrpc: "2.0", id: 1, method: "ping" }), undefined);
  const silent = await host.openView("show");
  silent.onsend = () => {};
  await initView(silent);
  const t1 = Date.now();
  await silent.teardown(100);
  assert.ok(Date.now() - t1 >= 90, "no answer: waits for the timeout, then closes");
  await client.close();
});

test("bad messages from a view are answered with errors or ignored, never thrown", async () => {
  const { host, client } = await hostFixture();
  const view = await host.openView("show");
  await initView(view);
  for (const junk of [
    null,
    42,
    "x",
    [],
    {},
    { jsonrpc: "1.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", method: 5 },
    { jsonrpc: "2.0", id: 99, result: {} },
  ])
    assert.equal(await view.receive(junk), undefined, JSON.stringify(junk));
  assert.equal(((await view.receive({ jsonrpc: "2.0", id: 1, method: "no/such" }))!.error as any).code, -32601);
  assert.equal(((await view.receive({ jsonrpc: "2.0", id: 2, method: "tools/call", params: [] }))!.error as any).code, -32602);
  assert.deepEqual((await view.receive({ jsonrpc: "2.0", id: 3, method: "ping" }))!.result, {});
  await view.receive({ jsonrpc: "2.0", method: "ui/notifications/size-changed", params: { width: -5, height: 1e9 } });
  assert.deepEqual(view.size, { width: undefined, height: 100_000 });
  await client.close();
});

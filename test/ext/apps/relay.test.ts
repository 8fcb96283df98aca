/**
 * The relay, in process: the host page's origin only, unknown views 404, a view's description, its messages and
 * answers, its event stream, model tool calls with their view, and bodies capped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AppRelay } from "../../../src/ext/apps/index.js";
import { hostFixture } from "../../fixtures/apps-host.js";

const ORIGIN = "http://127.0.0.1:3000";
const post = (relay: AppRelay, path: string, body: unknown, origin: string | null = ORIGIN) =>
  relay.fetch(
    new Request(`http://127.0.0.1:3000/apps${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

test("a model tool call with its view, then the view's description, messages and events through the relay", async () => {
  const { host, client } = await hostFixture();
  const relay = new AppRelay(host, { allowedOrigins: [ORIGIN] });
  const tools = (await (await relay.fetch(new Request("http://127.0.0.1:3000/apps/tools"))).json()) as { tools: any[] };
  assert.deepEqual(
    tools.tools.map((t) => [t.name, t.view]),
    [
      ["show", "ui://t/view.html"],
      ["bare", "ui://t/bare.html"],
      ["model_only", undefined],
      ["fails", undefined],
    ],
  );
  const called = await post(relay, "/tools/call", { name: "show", arguments: { a: 1 }, toolCallId: "x" });
  assert.equal(called.status, 200);
  const { result, viewId } = (await called.json()) as { result: any; viewId: string };
  assert.deepEqual(result.structuredContent, { args: { a: 1 } });
  const desc = (await (await relay.fetch(new Request(`http://127.0.0.1:3000/apps/views/${viewId}`))).json()) as any;
  assert.equal(desc.uri, "ui://t/view.html");
  assert.deepEqual(desc.csp.connectDomains, ["https://api.example.com"]);
  assert.match(desc.html, /<!doctype html>/);
  const abort = new AbortController();
  const events = await relay.fetch(new Request(`http://127.0.0.1:3000/apps/views/${viewId}/events`, { signal: abort.signal }));
  assert.equal(events.headers.get("content-type"), "text/event-stream");
  const init = await post(relay, `/views/${viewId}/messages`, {
    jsonrpc: "2.0",
    id: 0,
    method: "ui/initialize",
    params: { protocolVersion: "2026-01-26" },
  });
  assert.equal(((await init.json()) as any).result.protocolVersion, "2026-01-26");
  assert.equal((await post(relay, `/views/${viewId}/messages`, { jsonrpc: "2.0", method: "ui/notifications/initialized" })).status, 202);
  const reader = events.body!.getReader();
  let text = "";
  while (!text.includes("tool-result")) text += new TextDecoder().decode((await reader.read()).value);
  assert.ok(text.indexOf("tool-input") < text.indexOf("tool-result"));
  abort.abort();
  assert.equal((await post(relay, `/views/${viewId}/close`, {})).status, 200);
  assert.equal((await relay.fetch(new Request(`http://127.0.0.1:3000/apps/views/${viewId}`))).status, 404);
  await client.close();
});

test("other origins, unknown views, bad bodies and app-only tools are refused", async () => {
  const { host, client } = await hostFixture();
  const relay = new AppRelay(host, { allowedOrigins: [ORIGIN], maxBodyBytes: 1000 });
  assert.equal((await post(relay, "/tools/call", { name: "show" }, "https://evil.example")).status, 403);
  assert.equal((await post(relay, "/tools/call", { name: "show" }, null)).status, 403);
  assert.equal((await post(relay, "/views/00000000-0000-4000-8000-000000000000/messages", {})).status, 404);
  assert.equal((await post(relay, "/tools/call", "{not json")).status, 400);
  assert.equal((await post(relay, "/tools/call", { name: 5 })).status, 400);
  assert.equal((await post(relay, "/tools/call", { name: "x".repeat(2000) })).status, 413);
  const appOnly = await post(relay, "/tools/call", { name: "helper" });
  assert.equal(appOnly.status, 400);
  assert.match(((await appOnly.json()) as any).error, /only for views/);
  assert.equal((await relay.fetch(new Request("http://127.0.0.1:3000/elsewhere"))).status, 404);
  await client.close();
});

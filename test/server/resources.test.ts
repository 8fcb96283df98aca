import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw, waitFor } from "../helpers.js";

function fixture() {
  const s = new McpServer({ name: "r", version: "1" });
  s.registerResource("file:///a.txt", { name: "a", mimeType: "text/plain" }, () => ({ text: "A" }));
  s.registerResource("file:///b.bin", { name: "b", mimeType: "application/octet-stream" }, () => ({ blob: new Uint8Array([1, 2, 3]) }));
  s.registerResourceTemplate(
    "users://{id}/profile{?fields}",
    { name: "profile", complete: { id: (v) => ["alice", "albert", "bob"].filter((x) => x.startsWith(v)) } },
    (_uri, vars) => ({ text: JSON.stringify(vars) }),
  );
  return s;
}

test("resources: list, read text and binary, templates, not found", async () => {
  const c = await connectRaw(fixture());
  assert.deepEqual((await c.rpc.request("resources/list")).resources, [
    { uri: "file:///a.txt", name: "a", mimeType: "text/plain" },
    { uri: "file:///b.bin", name: "b", mimeType: "application/octet-stream" },
  ]);
  assert.deepEqual((await c.rpc.request("resources/templates/list")).resourceTemplates, [
    { uriTemplate: "users://{id}/profile{?fields}", name: "profile" },
  ]);
  assert.deepEqual(await c.rpc.request("resources/read", { uri: "file:///a.txt" }), {
    contents: [{ uri: "file:///a.txt", text: "A", mimeType: "text/plain" }],
  });
  assert.deepEqual(await c.rpc.request("resources/read", { uri: "file:///b.bin" }), {
    contents: [{ uri: "file:///b.bin", blob: "AQID", mimeType: "application/octet-stream" }],
  });
  assert.deepEqual(await c.rpc.request("resources/read", { uri: "users://alice/profile?fields=name" }), {
    contents: [{ uri: "users://alice/profile?fields=name", text: '{"id":"alice","fields":"name"}' }],
  });
  await assert.rejects(
    c.rpc.request("resources/read", { uri: "file:///missing" }),
    (e: any) => e.code === -32002 && e.message === "Resource not found" && e.data.uri === "file:///missing",
  );
  await c.close();
});

test("resources: subscribe, updated notifications, unsubscribe", async () => {
  const s = fixture();
  const c = await connectRaw(s);
  const other = await connectRaw(s);
  await c.rpc.request("resources/subscribe", { uri: "file:///a.txt" });
  s.notifyResourceUpdated("file:///a.txt");
  await waitFor(() => c.notifications.length === 1);
  assert.deepEqual(c.notifications[0], { method: "notifications/resources/updated", params: { uri: "file:///a.txt" } });
  assert.equal(other.notifications.length, 0);
  await c.rpc.request("resources/unsubscribe", { uri: "file:///a.txt" });
  s.notifyResourceUpdated("file:///a.txt");
  await c.rpc.request("ping");
  assert.equal(c.notifications.length, 1);
  await c.close();
  await other.close();
});

test("completion: template variables and prompt arguments, capped at 100 with total", async () => {
  const s = fixture();
  const many = Array.from({ length: 150 }, (_, i) => `v${i}`);
  s.registerPrompt(
    "p",
    { arguments: [{ name: "x", complete: (v, ctx) => (v === "ctx" ? [JSON.stringify(ctx.arguments)] : many) }, { name: "y" }] },
    () => [],
  );
  const c = await connectRaw(s);
  assert.deepEqual(
    await c.rpc.request("completion/complete", {
      ref: { type: "ref/resource", uri: "users://{id}/profile{?fields}" },
      argument: { name: "id", value: "al" },
    }),
    {
      completion: { values: ["alice", "albert"], total: 2, hasMore: false },
    },
  );
  const r = (await c.rpc.request("completion/complete", {
    ref: { type: "ref/prompt", name: "p" },
    argument: { name: "x", value: "" },
  })) as any;
  assert.equal(r.completion.values.length, 100);
  assert.equal(r.completion.total, 150);
  assert.equal(r.completion.hasMore, true);
  const withCtx = (await c.rpc.request("completion/complete", {
    ref: { type: "ref/prompt", name: "p" },
    argument: { name: "x", value: "ctx" },
    context: { arguments: { y: "1" } },
  })) as any;
  assert.deepEqual(withCtx.completion.values, ['{"y":"1"}']);
  assert.deepEqual(
    await c.rpc.request("completion/complete", { ref: { type: "ref/prompt", name: "p" }, argument: { name: "y", value: "" } }),
    { completion: { values: [] } },
  );
  await assert.rejects(
    c.rpc.request("completion/complete", { ref: { type: "ref/prompt", name: "nope" }, argument: { name: "x", value: "" } }),
    /unknown prompt "nope"/,
  );
  await c.close();
});

test("registration errors name the fix", () => {
  const s = new McpServer({ name: "r", version: "1" });
  assert.throws(() => s.registerResource("not a uri", { name: "x" }, () => ({ text: "" })), /must be an absolute URI/);
  assert.throws(() => s.registerResourceTemplate("users://{id", { name: "x" }, () => ({ text: "" })), /unclosed "\{"/);
  assert.throws(
    () => s.registerResourceTemplate("users://fixed", { name: "x" }, () => ({ text: "" })),
    /register it with registerResource instead/,
  );
  assert.throws(
    () => s.registerResourceTemplate("u://{id}", { name: "x", complete: { nope: () => [] } }, () => ({ text: "" })),
    /"nope", which is not a variable/,
  );
});

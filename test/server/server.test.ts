/** McpServer: construction, registration after clients connected, list_changed coalescing, subscriptions, close. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { connectRaw, sleep, waitFor } from "../helpers.js";

test("new McpServer checks its arguments and names the fix", () => {
  assert.throws(() => new McpServer({ name: "x" } as never), /info must have string "name" and "version"/);
  assert.throws(() => new McpServer({ name: "x", version: "1" }, { pageSize: 0 }), /pageSize must be a positive integer; got 0/);
});

test("registering and removing after clients connected sends one list_changed per kind per tick; remove twice is a no-op", async () => {
  const s = new McpServer({ name: "s", version: "1" });
  const c = await connectRaw(s);
  const a = s.registerTool("a", {}, () => "a");
  s.registerTool("b", {}, () => "b");
  s.registerPrompt("p", {}, () => []);
  await waitFor(() => c.notifications.length >= 2);
  await sleep(10);
  assert.deepEqual(c.notifications.map((n) => n.method).sort(), ["notifications/prompts/list_changed", "notifications/tools/list_changed"]);
  a.remove();
  a.remove();
  await waitFor(() => c.notifications.length === 3);
  await sleep(10);
  assert.equal(c.notifications.length, 3);
  assert.deepEqual(
    ((await c.rpc.request("tools/list")) as { tools: { name: string }[] }).tools.map((t) => t.name),
    ["b"],
  );
  await c.close();
});

test("notifyResourceUpdated reaches the sessions subscribed to that URI only; close ends every session", async () => {
  const s = new McpServer({ name: "s", version: "1" });
  s.registerResource("file:///w", { name: "w" }, () => ({ text: "w" }));
  const sub = await connectRaw(s);
  const other = await connectRaw(s);
  await sub.rpc.request("resources/subscribe", { uri: "file:///w" });
  s.notifyResourceUpdated("file:///w");
  s.notifyResourceUpdated("file:///else");
  await waitFor(() => sub.notifications.length === 1);
  assert.deepEqual(sub.notifications[0], { method: "notifications/resources/updated", params: { uri: "file:///w" } });
  await sub.rpc.request("resources/unsubscribe", { uri: "file:///w" });
  s.notifyResourceUpdated("file:///w");
  await sleep(10);
  assert.equal(sub.notifications.length, 1);
  assert.equal(other.notifications.length, 0);
  assert.equal(s.sessions.size, 2);
  await s.close();
  assert.equal(s.sessions.size, 0);
  assert.equal(sub.rpc.closed, true);
});

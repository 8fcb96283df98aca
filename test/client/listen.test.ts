/**
 * The client's subscriptions/listen (client/listen.ts): the listen that stands in for resource subscriptions and
 * list changes at 2026-07-28, and explicit listens, each acknowledged by its own subscription id.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient } from "../../src/client/index.js";
import { McpServer } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { tapTransport } from "../../src/transports/tap.js";
import { rawModernServer } from "../fixtures/modern.js";
import type { ClientOptions } from "../../src/client/options.js";
import { sleep, waitFor } from "../helpers.js";

type Sent = { method?: string; params?: Record<string, unknown> };

async function connect(options: ClientOptions): Promise<{ s: McpServer; client: McpClient; sent: Sent[] }> {
  const s = new McpServer({ name: "s", version: "1" });
  s.registerTool("t", {}, () => "t");
  s.registerResource("test://watched", { name: "watched" }, () => ({ contents: [{ uri: "test://watched", text: "x" }] }));
  const [a, b] = MemoryTransport.createPair();
  s.connect(a);
  const sent: Sent[] = [];
  const client = new McpClient({ name: "c", version: "1" }, options);
  await client.connect(tapTransport(b, (direction, m) => direction === "out" && sent.push(m as Sent)));
  return { s, client, sent };
}

test("subscribeResource at 2026-07-28 keeps one listen for the subscribed resources; several listens each get their own acknowledgement", async () => {
  const updated: string[] = [];
  const changed: string[] = [];
  const { s, client, sent } = await connect({ onResourceUpdated: (u) => updated.push(u), onListChanged: (k) => changed.push(k) });
  // onListChanged set: a listen for the lists the server says change is opened at connect.
  const first = sent.find((m) => m.method === "subscriptions/listen")!;
  assert.equal((first.params!.notifications as Record<string, unknown>).toolsListChanged, true);
  await client.subscribeResource("test://watched");
  s.notifyResourceUpdated("test://watched");
  await waitFor(() => updated.length === 1);
  s.registerTool("late", {}, () => "late");
  await waitFor(() => changed.includes("tools"));
  await client.unsubscribeResource("test://watched");
  s.notifyResourceUpdated("test://watched");
  await sleep(30);
  assert.equal(updated.length, 1);

  const a = await client.listen({ toolsListChanged: true });
  const b = await client.listen({ resourceSubscriptions: ["test://watched"] });
  assert.deepEqual(a.notifications, { toolsListChanged: true });
  assert.deepEqual(b.notifications, { resourceSubscriptions: ["test://watched"] });
  s.notifyResourceUpdated("test://watched");
  await waitFor(() => updated.length === 2);
  a.close();
  b.close();
  await Promise.all([a.ended, b.ended]);
  await client.close();
});

test("a listen the server ends is opened again (after a second); closing the client ends it for good", async () => {
  const { raw, client: b } = rawModernServer({ resources: { subscribe: true } });
  let listens = 0;
  raw.setRequestHandler("subscriptions/listen", async (params, ctx) => {
    listens++;
    const meta = { "io.modelcontextprotocol/subscriptionId": ctx.id };
    ctx.notify("notifications/subscriptions/acknowledged", {
      _meta: meta,
      notifications: (params as { notifications: object }).notifications,
    });
    await sleep(30);
    return { resultType: "complete", _meta: meta };
  });
  const client = new McpClient({ name: "c", version: "1" });
  await client.connect(b);
  assert.equal(client.protocolVersion, "2026-07-28");
  await client.subscribeResource("test://watched");
  assert.equal(listens, 1);
  await waitFor(() => listens === 2, 3000);
  await client.close();
  const after = listens;
  await sleep(2500);
  assert.equal(listens, after, "nothing after close()");
});

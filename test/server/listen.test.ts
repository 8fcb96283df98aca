import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { modernPost } from "../fixtures/modern.js";

const post = (h: StreamableHttpHandler, id: number, method: string, params: Record<string, unknown>, signal?: AbortSignal) =>
  modernPost(h.fetch, method, params, { id, signal });

/** events reads SSE messages from a response as they come. */
async function* events(res: Response): AsyncGenerator<Record<string, unknown>> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("");
      if (data) yield JSON.parse(data) as Record<string, unknown>;
    }
  }
}

test("subscriptions/listen: the acknowledgement first, then only what was asked, tagged with the subscription id", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.registerTool("a", {}, () => "a");
  server.registerPrompt("p", {}, () => [{ role: "user", content: { type: "text", text: "p" } }]);
  const h = new StreamableHttpHandler(server);
  const stop = new AbortController();
  const toolsOnly = events(
    await post(h, 41, "subscriptions/listen", { notifications: { toolsListChanged: true, promptsListChanged: false } }, stop.signal),
  );
  const ack = (await toolsOnly.next()).value!;
  assert.equal(ack.method, "notifications/subscriptions/acknowledged");
  assert.deepEqual(ack.params, { _meta: { "io.modelcontextprotocol/subscriptionId": 41 }, notifications: { toolsListChanged: true } });
  server.registerPrompt("q", {}, () => [{ role: "user", content: { type: "text", text: "q" } }]);
  server.registerTool("b", {}, () => "b");
  const next = (await toolsOnly.next()).value!;
  assert.deepEqual(next, {
    jsonrpc: "2.0",
    method: "notifications/tools/list_changed",
    params: { _meta: { "io.modelcontextprotocol/subscriptionId": 41 } },
  });
  stop.abort();

  const tasks = await post(h, 42, "subscriptions/listen", { notifications: { taskIds: ["t1"] } });
  const body = (await tasks.json()) as { error: { code: number; data: unknown } };
  assert.equal(body.error.code, -32021);
  assert.deepEqual(body.error.data, { requiredCapabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } } });
  const bad = (await (await post(h, 43, "subscriptions/listen", {})).json()) as { error: { code: number } };
  assert.equal(bad.error.code, -32602);
  await h.close();
});

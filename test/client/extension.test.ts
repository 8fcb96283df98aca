/**
 * Client extensions: declared at initialize only once used, the server's settings visible after connect,
 * requests and notifications the server sends for an extension answered, and collisions refused at use().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient, defineClientExtension } from "../../src/client/index.js";
import { McpServer, defineExtension } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/index.js";
import { waitFor } from "../helpers.js";

test("a client extension answers the server's requests and notifications for it", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.use(defineExtension({ id: "com.example/ui", settings: { theme: "dark" }, setup() {} }));
  const seen: unknown[] = [];
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  const api = client.use(
    defineClientExtension({
      id: "com.example/ui",
      settings: { mimeTypes: ["text/html"] },
      setup(x) {
        x.method("ui/ask", (params) => ({ answer: `${params.q}?` }));
        x.notification("ui/notifications/changed", (params) => void seen.push(params));
        return { settings: () => x.client.extensions[x.id] };
      },
    }),
  );
  const [a, b] = MemoryTransport.createPair();
  const session = server.connect(a);
  await client.connect(b);
  assert.deepEqual(session.extensions, { "com.example/ui": { mimeTypes: ["text/html"] } });
  assert.deepEqual(api.settings(), { theme: "dark" });
  assert.deepEqual(await session.request("ui/ask", { q: "why" }), { answer: "why?" });
  session.notify("ui/notifications/changed", { n: 1 });
  await waitFor(() => seen.length === 1);
  assert.deepEqual(seen, [{ n: 1 }]);
  // a server request no extension handles is still -32601
  assert.equal((await session.request("ui/other", {}).catch((e) => e)).code, -32601);
  await client.close();
});

test("the server's extensions the client does not use are not negotiated", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.use(defineExtension({ id: "com.example/a", setup() {} }));
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  client.use(defineClientExtension({ id: "com.example/b", setup() {} }));
  const [a, b] = MemoryTransport.createPair();
  const session = server.connect(a);
  await client.connect(b);
  assert.deepEqual(client.serverCapabilities?.extensions, { "com.example/a": {} });
  assert.deepEqual(client.extensions, {});
  assert.deepEqual(session.extensions, {});
  await client.close();
});

test("client.use refuses bad identifiers, spec methods, collisions, repeats and use after connect", async () => {
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25" });
  assert.throws(() => client.use(defineClientExtension({ id: "nope", setup() {} })), /is not an extension identifier/);
  assert.throws(
    () => client.use(defineClientExtension({ id: "com.example/x", setup: (x) => x.method("sampling/createMessage", () => ({})) })),
    /which the MCP specification defines/,
  );
  client.use(defineClientExtension({ id: "com.example/one", setup: (x) => x.method("one/get", () => ({})) }));
  assert.throws(
    () => client.use(defineClientExtension({ id: "com.example/two", setup: (x) => x.method("one/get", () => ({})) })),
    /cannot handle method "one\/get", which extension "com.example\/one" already handles/,
  );
  assert.equal(client.capabilities.extensions?.["com.example/two"], undefined);
  assert.throws(() => client.use(defineClientExtension({ id: "com.example/one", setup() {} })), /already in use/);
  const server = new McpServer({ name: "s", version: "1" });
  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  await client.connect(b);
  assert.throws(() => client.use(defineClientExtension({ id: "com.example/late", setup() {} })), /before connect\(\)/);
  await client.close();
});

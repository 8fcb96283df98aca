/**
 * 2026-07-28 caching hints: the server's default, each item's own, and how a list or a read combines them
 * (server/caching.ts). A list that differs per caller is private whatever its items say.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { InvalidTokenError, bearerAuth, type TokenVerifier } from "../../src/auth/index.js";
import { modernPost } from "../fixtures/modern.js";

type Hints = { ttlMs?: number; cacheScope?: string };
const hints = async (h: StreamableHttpHandler, method: string, params: Record<string, unknown> = {}, token?: string): Promise<Hints> => {
  const r = (await (await modernPost(h.fetch, method, params, { token, url: "http://127.0.0.1/mcp" })).json()) as { result?: Hints };
  assert.ok(r.result, `${method} failed: ${JSON.stringify(r)}`);
  return { ttlMs: r.result.ttlMs, cacheScope: r.result.cacheScope };
};

test("per item: a read takes its resource's (or template's) hints; a list is as fresh as its least fresh item and public only when all are", async () => {
  const server = new McpServer({ name: "s", version: "1" }, { cache: { ttlMs: 60_000, cacheScope: "public" } });
  server.registerTool("stable", { cache: { ttlMs: 3_600_000 } }, () => "x");
  server.registerTool("other", {}, () => "y");
  server.registerResource("test://static", { name: "static", cache: { ttlMs: 86_400_000 } }, () => ({ text: "s" }));
  server.registerResource("test://mine", { name: "mine", cache: { ttlMs: 1000, cacheScope: "private" } }, () => ({ text: "m" }));
  server.registerResourceTemplate("test://item/{id}", { name: "item", cache: { ttlMs: 5000 } }, (uri) => ({ text: uri }));
  server.registerPrompt("p", { cache: { cacheScope: "private" } }, () => []);
  const h = new StreamableHttpHandler(server);
  assert.deepEqual(await hints(h, "server/discover"), { ttlMs: 60_000, cacheScope: "public" });
  // The server's default 60 s is the least fresh of the tools (one says an hour, the other nothing).
  assert.deepEqual(await hints(h, "tools/list"), { ttlMs: 60_000, cacheScope: "public" });
  assert.deepEqual(await hints(h, "resources/read", { uri: "test://static" }), { ttlMs: 86_400_000, cacheScope: "public" });
  assert.deepEqual(await hints(h, "resources/read", { uri: "test://mine" }), { ttlMs: 1000, cacheScope: "private" });
  assert.deepEqual(await hints(h, "resources/read", { uri: "test://item/7" }), { ttlMs: 5000, cacheScope: "public" });
  assert.deepEqual(await hints(h, "resources/list"), { ttlMs: 1000, cacheScope: "private" });
  assert.deepEqual(await hints(h, "resources/templates/list"), { ttlMs: 5000, cacheScope: "public" });
  assert.deepEqual(await hints(h, "prompts/list"), { ttlMs: 60_000, cacheScope: "private" });
});

test("a list filtered by the caller's scopes is private, even when every item says public", async () => {
  const verifier: TokenVerifier = {
    async verify(token) {
      if (token === "tok-basic-0123456789") return { token, issuer: "https://as", subject: "alice", scopes: ["mcp"] };
      throw new InvalidTokenError("unknown token");
    },
  };
  const server = new McpServer({ name: "s", version: "1" }, { cache: { ttlMs: 60_000, cacheScope: "public" } });
  server.registerTool("open", {}, () => "x");
  server.registerTool("admin_only", { scopes: ["admin"] }, () => "y");
  server.registerPrompt("p", {}, () => []);
  const h = new StreamableHttpHandler(server, {
    auth: bearerAuth({ verifier, resource: "http://127.0.0.1/mcp", authorizationServers: ["https://as"] }),
  });
  assert.deepEqual(await hints(h, "tools/list", {}, "tok-basic-0123456789"), { ttlMs: 60_000, cacheScope: "private" });
  // No item of this list has scopes: it is the same for everyone.
  assert.deepEqual(await hints(h, "prompts/list", {}, "tok-basic-0123456789"), { ttlMs: 60_000, cacheScope: "public" });
});

test("cache settings are checked at registration, naming the fix", () => {
  const server = new McpServer({ name: "s", version: "1" });
  assert.throws(() => server.registerTool("t", { cache: { ttlMs: -1 } }, () => ""), /cache.ttlMs must be a whole number/);
  assert.throws(() => server.registerPrompt("p", { cache: { cacheScope: "shared" as "public" } }, () => []), /"public" or "private"/);
  assert.throws(() => new McpServer({ name: "s", version: "1" }, { cache: { ttlMs: 1.5 } }), /new McpServer: cache.ttlMs/);
});

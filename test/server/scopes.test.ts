/**
 * Attack #4: per-item scopes hold for every method that reaches an item's code or output, not only for
 * tools/call and prompts/get: completion, reads through a template, subscriptions and the caller's own tasks.
 * Over Streamable HTTP the answer is 403 insufficient_scope before dispatch; over any other transport that
 * authenticates, the server refuses the request itself. Either way the item's code never runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { StreamableHttpHandler } from "../../src/transports/http/index.js";
import { InvalidTokenError, type TokenVerifier, bearerAuth } from "../../src/auth/index.js";
import { connectRaw } from "../helpers.js";
import { ENDPOINT, post as postMessage } from "../fixtures/http-requests.js";

/** post sends one message with a bearer token, on a session when given. */
const post = (h: StreamableHttpHandler, token: string, body: unknown, sid?: string) => postMessage(h, body, { token, sid });

const URL_ = ENDPOINT;
const verifier: TokenVerifier = {
  async verify(token) {
    if (token === "tok-basic-0123456789") return { token, issuer: "https://as", subject: "alice", scopes: ["mcp"] };
    if (token === "tok-admin-0123456789") return { token, issuer: "https://as", subject: "alice", scopes: ["mcp", "admin"] };
    throw new InvalidTokenError("unknown token");
  },
};

function fixture() {
  const ran: string[] = [];
  const server = new McpServer({ name: "scoped", version: "1" });
  server.registerPrompt(
    "secret_prompt",
    { scopes: ["admin"], arguments: [{ name: "who", complete: (v) => (ran.push("prompt completer"), [`${v}-secret`]) }] },
    () => (ran.push("prompt"), []),
  );
  server.registerResourceTemplate(
    "secret://{id}",
    { name: "secret", scopes: ["admin"], complete: { id: (v) => (ran.push("template completer"), [`${v}1`]) } },
    (uri) => (ran.push(`read ${uri}`), { text: "classified" }),
  );
  server.registerTool(
    "secret_job",
    { scopes: ["admin"], execution: { taskSupport: "optional" } },
    () => (ran.push("job"), "classified result"),
  );
  server.registerTool("open", {}, () => "open");
  return { server, ran };
}

const REQUESTS = (taskId: string) => [
  {
    method: "completion/complete",
    params: { ref: { type: "ref/prompt", name: "secret_prompt" }, argument: { name: "who", value: "a" } },
    item: '"secret_prompt"',
  },
  {
    method: "completion/complete",
    params: { ref: { type: "ref/resource", uri: "secret://{id}" }, argument: { name: "id", value: "4" } },
    item: '"secret://{id}"',
  },
  { method: "resources/read", params: { uri: "secret://42" }, item: '"secret://42"' },
  { method: "resources/subscribe", params: { uri: "secret://42" }, item: '"secret://42"' },
  { method: "prompts/get", params: { name: "secret_prompt", arguments: { who: "x" } }, item: '"secret_prompt"' },
  { method: "tasks/get", params: { taskId }, item: `task "${taskId}"` },
  { method: "tasks/result", params: { taskId }, item: `task "${taskId}"` },
  { method: "tasks/cancel", params: { taskId }, item: `task "${taskId}"` },
];

test("attack #4 over HTTP: completion, template reads, subscriptions and the caller's own tasks of a scoped item get 403 insufficient_scope and run nothing", async () => {
  const { server, ran } = fixture();
  const h = new StreamableHttpHandler(server, { auth: bearerAuth({ verifier, resource: URL_, authorizationServers: ["https://as"] }) });
  const init = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  };
  // With the admin scope, alice starts a task of the scoped tool; then she comes back with a token without it.
  const admin = (await post(h, "tok-admin-0123456789", init)).sid!;
  const taskId = (
    await post(h, "tok-admin-0123456789", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "secret_job", task: {} } }, admin)
  ).body.result.task.taskId;
  ran.length = 0;
  const basic = (await post(h, "tok-basic-0123456789", init)).sid!;
  for (const [i, r] of REQUESTS(taskId).entries()) {
    const res = await post(h, "tok-basic-0123456789", { jsonrpc: "2.0", id: 10 + i, method: r.method, params: r.params }, basic);
    assert.equal(res.status, 403, `${r.method} ${JSON.stringify(r.params)}`);
    assert.match(res.challenge!, /error="insufficient_scope"/);
    assert.match(res.challenge!, /scope="mcp admin"/);
    assert.match(res.body.error.message, new RegExp(`${r.item.replace(/[{}]/g, "\\$&")} needs the scope\\(s\\) admin`));
  }
  assert.deepEqual(ran, [], "no item code ran");
  // The same requests with the scope work (the check is not a blanket refusal).
  const ok = await post(
    h,
    "tok-admin-0123456789",
    { jsonrpc: "2.0", id: 30, method: "completion/complete", params: REQUESTS(taskId)[0]!.params },
    admin,
  );
  assert.deepEqual(ok.body.result.completion.values, ["a-secret"]);
  assert.equal(
    (await post(h, "tok-admin-0123456789", { jsonrpc: "2.0", id: 31, method: "tasks/result", params: { taskId } }, admin)).body.result
      .content[0].text,
    "classified result",
  );
  await h.close();
});

test("attack #4 over any other authenticating transport: the server itself refuses, with the missing scopes in data", async () => {
  const { server, ran } = fixture();
  const c = await connectRaw(server);
  (c.rpc.transport as unknown as { extra: unknown }).extra = {
    authInfo: { token: "t", issuer: "https://as", subject: "alice", scopes: ["admin"] },
  };
  const taskId = ((await c.rpc.request("tools/call", { name: "secret_job", task: {} })) as { task: { taskId: string } }).task.taskId;
  (c.rpc.transport as unknown as { extra: unknown }).extra = {
    authInfo: { token: "t", issuer: "https://as", subject: "alice", scopes: [] },
  };
  ran.length = 0;
  for (const r of REQUESTS(taskId)) {
    await assert.rejects(
      c.rpc.request(r.method, r.params),
      (e: { code: number; message: string; data: unknown }) =>
        e.code === -32600 &&
        /forbidden: .* needs the scope\(s\) admin/.test(e.message) &&
        JSON.stringify(e.data) === '{"requiredScopes":["admin"]}',
      r.method,
    );
  }
  assert.deepEqual(ran, []);
  assert.equal(((await c.rpc.request("tools/call", { name: "open" })) as { content: { text: string }[] }).content[0]!.text, "open");
  await c.close();
});

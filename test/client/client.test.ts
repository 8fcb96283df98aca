import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient, UrlElicitationRequiredError } from "../../src/client/index.js";
import { McpServer } from "../../src/server/index.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { Session } from "../../src/jsonrpc/session.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../../src/protocol/methods.js";
import { TrellisError } from "../../src/protocol/errors.js";
import { sleep, waitFor, connectClient } from "../helpers.js";

function server() {
  const s = new McpServer({ name: "s", version: "1" }, { pageSize: 2 });
  for (const n of ["a", "b", "c"]) s.registerTool(n, {}, () => n);
  s.registerTool("typed", { outputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } }, () => ({
    content: [],
    structuredContent: { n: 1 },
  }));
  s.registerTool("ask", {}, async (_a, ctx) => {
    const r = await ctx.elicit({
      message: "m",
      requestedSchema: { type: "object", properties: { name: { type: "string", default: "Ann" }, n: { type: "integer", default: 3 } } },
    });
    return JSON.stringify(r);
  });
  s.registerTool("open", {}, async (_a, ctx) =>
    JSON.stringify(await ctx.elicit({ mode: "url", message: "Sign in", url: "https://login.example.com/x?y=1" })),
  );
  s.registerTool("needsurl", {}, (_a, ctx) =>
    ctx.urlElicitationRequired([{ url: "https://a.example/x", elicitationId: "e", message: "go" }]),
  );
  s.registerTool("roots", {}, async (_a, ctx) => JSON.stringify(await ctx.listRoots()));
  s.registerTool("think", {}, async (_a, ctx) =>
    JSON.stringify(
      await ctx.sample({
        messages: [{ role: "user", content: { type: "text", text: "hi" } }],
        maxTokens: 5,
        tools: [{ name: "t", inputSchema: { type: "object" } }],
      }),
    ),
  );
  s.registerTool("slow", {}, async (_a, ctx) => {
    for (let i = 1; i <= 4; i++) {
      ctx.progress(i, 4);
      await sleep(30);
    }
    return "slow done";
  });
  s.registerTool("wait", {}, (_a, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => r("x"))));
  s.registerResource("file:///r.txt", { name: "r" }, () => ({ text: "R" }));
  s.registerPrompt("p", { arguments: [{ name: "x", complete: (v) => [`${v}1`] }] }, (a) => [
    { role: "user", content: { type: "text", text: `x=${a.x}` } },
  ]);
  return s;
}

const connect = connectClient;

test("capabilities are declared from the handlers that are set, and only those", async () => {
  assert.deepEqual(new McpClient({ name: "c", version: "1" }).capabilities, {});
  const all = new McpClient(
    { name: "c", version: "1" },
    {
      sampling: () => ({ role: "assistant", content: { type: "text", text: "" }, model: "m" }),
      samplingTools: true,
      elicitForm: () => ({ action: "cancel" }),
      elicitUrl: () => ({ action: "decline" }),
      roots: [],
    },
  );
  assert.deepEqual(all.capabilities, { sampling: { tools: {} }, elicitation: { form: {}, url: {} }, roots: { listChanged: true } });
  const { client, session } = await connect(server(), { elicitForm: () => ({ action: "cancel" }) });
  assert.deepEqual(session.clientCapabilities, { elicitation: { form: {} } });
  assert.equal(client.protocolVersion, "2025-11-25");
  assert.equal(client.serverInfo?.name, "s");
  await client.close();
});

test("lists: async iterators over every page, cache dropped on list_changed", async () => {
  const s = server();
  const changed: string[] = [];
  const { client } = await connect(s, { onListChanged: (k) => changed.push(k) });
  const names: string[] = [];
  for await (const t of client.tools()) names.push(t.name);
  assert.deepEqual(names, ["a", "b", "c", "typed", "ask", "open", "needsurl", "roots", "think", "slow", "wait"]);
  const first = await client.listAllTools();
  assert.equal(await client.listAllTools(), first, "served from the cache");
  s.registerTool("d", {}, () => "d");
  await waitFor(() => changed.includes("tools"));
  const again = await client.listAllTools();
  assert.notEqual(again, first);
  assert.ok(again.some((t) => t.name === "d"));
  assert.deepEqual(
    (await client.listAllResources()).map((r) => r.uri),
    ["file:///r.txt"],
  );
  assert.deepEqual(
    (await client.listAllPrompts()).map((p) => p.name),
    ["p"],
  );
  assert.deepEqual(await client.listAllResourceTemplates(), []);
  await client.close();
});

test("typed calls: tools, resources, prompts, completion, logging, ping", async () => {
  const logs: unknown[] = [];
  const { client } = await connect(server(), { onLog: (l) => logs.push(l) });
  assert.deepEqual(await client.callTool("a"), { content: [{ type: "text", text: "a" }] });
  assert.equal((await client.readResource("file:///r.txt")).contents[0]!.uri, "file:///r.txt");
  assert.equal(((await client.getPrompt("p", { x: "1" })).messages[0]!.content as { text: string }).text, "x=1");
  assert.deepEqual(
    (await client.complete({ ref: { type: "ref/prompt", name: "p" }, argument: { name: "x", value: "q" } })).completion.values,
    ["q1"],
  );
  await client.setLoggingLevel("error");
  assert.deepEqual(await client.ping(), {});
  await client.close();
  await assert.rejects(client.ping(), (e: unknown) => e instanceof TrellisError && e.code === "NOT_CONNECTED");
});

test("structuredContent is checked against the tool's outputSchema once the tool is known", async () => {
  // A raw server that lies about its structured output.
  const [a, b] = MemoryTransport.createPair();
  const raw = new Session(a, { incoming: CLIENT_REQUESTS, outgoing: SERVER_REQUESTS, notifications: NOTIFICATIONS });
  raw.setRequestHandler("initialize", () => ({
    protocolVersion: "2025-11-25",
    capabilities: { tools: {} },
    serverInfo: { name: "liar", version: "1" },
  }));
  raw.setRequestHandler("tools/list", () => ({
    tools: [
      {
        name: "t",
        inputSchema: { type: "object" },
        outputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
      },
    ],
  }));
  raw.setRequestHandler("tools/call", () => ({ content: [], structuredContent: { n: "not a number" } }));
  const client = new McpClient({ name: "c", version: "1" });
  await client.connect(b);
  await client.callTool("t"); // unknown definition yet: not checked
  await client.listAllTools();
  await assert.rejects(client.callTool("t"), /returned structuredContent that does not match its outputSchema: "n" must be integer/);
  await client.close();
});

test("elicitation: form handler gets SEP-1034 defaults applied and content checked; URL mode gets the domain", async () => {
  const seen: unknown[] = [];
  const { client } = await connect(server(), {
    elicitForm: () => ({ action: "accept", content: { n: 7 } }),
    elicitUrl: (req) => (seen.push(req), { action: "accept" }),
  });
  assert.deepEqual(JSON.parse(((await client.callTool("ask")).content[0] as { text: string }).text), {
    action: "accept",
    content: { n: 7, name: "Ann" },
  });
  assert.deepEqual(JSON.parse(((await client.callTool("open")).content[0] as { text: string }).text), { action: "accept" });
  assert.equal((seen[0] as { domain: string }).domain, "login.example.com");
  assert.equal((seen[0] as { url: string }).url, "https://login.example.com/x?y=1");
  await client.close();
  const bad = await connect(server(), { elicitForm: () => ({ action: "accept", content: { n: "seven" } }) });
  const r = await bad.client.callTool("ask");
  assert.equal(r.isError, true, "the server sees an error, not bad data");
  await bad.client.close();
});

test("a -32042 error surfaces as UrlElicitationRequiredError carrying the elicitations", async () => {
  const { client } = await connect(server());
  await assert.rejects(
    client.callTool("needsurl"),
    (e: unknown) =>
      e instanceof UrlElicitationRequiredError &&
      e.elicitations[0]!.url === "https://a.example/x" &&
      e.elicitations[0]!.elicitationId === "e",
  );
  await client.close();
});

test("roots: served to the server; setRoots sends list_changed", async () => {
  let changes = 0;
  const s = server();
  const [a, b] = MemoryTransport.createPair();
  const s2 = new McpServer({ name: "s2", version: "1" }, { onRootsListChanged: () => changes++ });
  s2.registerTool("roots", {}, async (_x, ctx) => JSON.stringify(await ctx.listRoots()));
  s2.connect(a);
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25", roots: [{ uri: "file:///one" }] });
  await client.connect(b);
  assert.equal(JSON.parse(((await client.callTool("roots")).content[0] as { text: string }).text).roots[0].uri, "file:///one");
  client.setRoots([{ uri: "file:///two", name: "two" }]);
  await waitFor(() => changes === 1);
  assert.equal(JSON.parse(((await client.callTool("roots")).content[0] as { text: string }).text).roots[0].uri, "file:///two");
  assert.throws(() => new McpClient({ name: "c", version: "1" }).setRoots([]), /did not declare the capability/);
  await client.close();
  void s;
});

test("sampling: tools need samplingTools; tool_use / tool_result pairing is checked", async () => {
  const reply = { role: "assistant" as const, content: { type: "text" as const, text: "ok" }, model: "m" };
  const plain = await connect(server(), { sampling: () => reply });
  assert.match(((await plain.client.callTool("think")).content[0] as { text: string }).text, /sampling.tools/);
  await plain.client.close();
  const { client, session } = await connect(server(), { sampling: () => reply, samplingTools: true });
  assert.equal(JSON.parse(((await client.callTool("think")).content[0] as { text: string }).text).model, "m");
  const use = { role: "assistant", content: [{ type: "tool_use", id: "u1", name: "t", input: {} }] };
  const cases = [
    {
      name: "mixed result",
      messages: [
        use,
        {
          role: "user",
          content: [
            { type: "tool_result", toolUseId: "u1", content: [] },
            { type: "text", text: "x" },
          ],
        },
      ],
      want: /must contain only tool_result blocks/,
    },
    {
      name: "unanswered use",
      messages: [use, { role: "user", content: [{ type: "text", text: "x" }] }],
      want: /has no matching tool_result/,
    },
    {
      name: "orphan result",
      messages: [{ role: "user", content: [{ type: "tool_result", toolUseId: "zz", content: [] }] }],
      want: /answers no tool_use/,
    },
  ];
  for (const c of cases) {
    await assert.rejects(
      session.request("sampling/createMessage", { messages: c.messages, maxTokens: 5 }),
      (e: any) => e.code === -32602 && c.want.test(e.message),
      c.name,
    );
  }
  const good = await session.request("sampling/createMessage", {
    messages: [use, { role: "user", content: [{ type: "tool_result", toolUseId: "u1", content: [] }] }],
    maxTokens: 5,
  });
  assert.equal(good.model, "m");
  await client.close();
});

test("progress callbacks, timeouts that reset on progress, cancellation through an AbortSignal", async () => {
  const { client, session } = await connect(server());
  const seen: number[] = [];
  const r = await client.callTool("slow", {}, { onprogress: (p) => seen.push(p.progress), timeoutMs: 60, resetTimeoutOnProgress: true });
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal((r.content[0] as { text: string }).text, "slow done");
  await assert.rejects(
    client.callTool("slow", {}, { timeoutMs: 50 }),
    (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_TIMEOUT",
  );
  const ac = new AbortController();
  const p = client.callTool("wait", {}, { signal: ac.signal });
  await sleep(10);
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_CANCELLED");
  assert.deepEqual(await client.ping(), {});
  void session;
  await client.close();
});

test("version negotiation: a server answering an older revision is accepted; an unknown one is refused", async () => {
  for (const [answer, ok] of [
    ["2025-06-18", true],
    ["2025-03-26", true],
    ["1999-01-01", false],
  ] as const) {
    const [a, b] = MemoryTransport.createPair();
    const raw = new Session(a, { incoming: CLIENT_REQUESTS, outgoing: SERVER_REQUESTS, notifications: NOTIFICATIONS });
    raw.setRequestHandler("initialize", () => ({ protocolVersion: answer, capabilities: {}, serverInfo: { name: "old", version: "1" } }));
    const client = new McpClient({ name: "c", version: "1" });
    if (ok) {
      await client.connect(b);
      assert.equal(client.protocolVersion, answer);
      await client.close();
    } else {
      await assert.rejects(client.connect(b), /does not speak/);
    }
  }
});

test("subscriptions: onResourceUpdated fires for subscribed URIs until unsubscribed", async () => {
  const s = server();
  const updated: string[] = [];
  const { client } = await connect(s, { onResourceUpdated: (uri) => updated.push(uri) });
  await client.subscribeResource("file:///r.txt");
  s.notifyResourceUpdated("file:///r.txt");
  s.notifyResourceUpdated("file:///other.txt");
  await waitFor(() => updated.length === 1);
  await client.unsubscribeResource("file:///r.txt");
  s.notifyResourceUpdated("file:///r.txt");
  await client.ping();
  assert.deepEqual(updated, ["file:///r.txt"]);
  await client.close();
});

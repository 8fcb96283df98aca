/**
 * 2026-07-28 with real peers: the official SDK v2 client and the Vercel AI SDK's MCP client 2.x negotiate it with a
 * Trellis server and call tools, one of which elicits (an input_required round they answer); the Trellis client
 * negotiates it with a server built on @modelcontextprotocol/server 2.x, falls back to 2025-11-25 against the SDK
 * 1.x, and answers input_required rounds with the same handlers it answers a 2025 server's requests with.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer as SdkV2Server } from "@modelcontextprotocol/server";
import { importPeer } from "../peers.js";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { spawnServer } from "../helpers.js";

const EVERYTHING = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
const SDK1 = fileURLToPath(new URL("../fixtures/sdk-server.js", import.meta.url));
const text = (r: object) => ((r as { content?: { text?: string }[] }).content?.[0]?.text ?? "") as string;

let dir: string;
let trellis: { url: string; child: ChildProcess };
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trellis-modern-"));
  trellis = await spawnServer([EVERYTHING, "--port", "0", "--database", join(dir, "e.db")], { cwd: dir });
});
after(() => {
  trellis?.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("the official SDK v2 client negotiates 2026-07-28 with a Trellis server; a tool that elicits is answered in rounds", async () => {
  const client = new Client({ name: "sdk-v2", version: "1" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
  let asked = 0;
  client.setRequestHandler("elicitation/create", async () => {
    asked++;
    return { action: "accept", content: { name: "Alice" } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(trellis.url)));
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
    assert.ok((await client.listTools()).tools.some((t) => t.name === "test_input_required_result_elicitation"));
    assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "hi" } })), "hi");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_elicitation", arguments: {} })), "Hello, Alice!");
    assert.equal(asked, 1);
  } finally {
    await client.close();
  }
});

/** The part of @ai-sdk/mcp this test uses (a test peer, loaded from .cache/peers: test/peers.ts). */
interface AiSdkMcp {
  createMCPClient(o: object): Promise<{
    initializeResult: { protocolVersion: string };
    onElicitationRequest(schema: unknown, handler: () => Promise<object>): void;
    callTool(p: { name: string; arguments: object }): Promise<object>;
    close(): Promise<void>;
  }>;
  ElicitationRequestSchema: unknown;
}

test("the Vercel AI SDK's MCP client 2.x negotiates 2026-07-28 with a Trellis server and answers an elicitation round", async () => {
  const { createMCPClient, ElicitationRequestSchema } = await importPeer<AiSdkMcp>("@ai-sdk/mcp");
  const client = await createMCPClient({ transport: { type: "http", url: trellis.url }, capabilities: { elicitation: {} } });
  client.onElicitationRequest(ElicitationRequestSchema, async () => ({ action: "accept", content: { name: "Ada" } }));
  try {
    assert.equal(client.initializeResult.protocolVersion, "2026-07-28");
    assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "hi" } })), "hi");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_elicitation", arguments: {} })), "Hello, Ada!");
  } finally {
    await client.close();
  }
});

test("the Trellis client at 2026-07-28: no session, and input_required answered by its elicitation and sampling handlers", async () => {
  const client = new McpClient(
    { name: "trellis", version: "1" },
    {
      protocolVersion: "auto",
      // Answers whichever field the form asks for.
      elicitForm: async (p) => {
        const fields = Object.keys(p.requestedSchema.properties);
        const answers: Record<string, string> = { name: "Grace", city: "Paris", context: "tests" };
        return { action: "accept", content: Object.fromEntries(fields.map((f) => [f, answers[f] ?? "x"])) };
      },
      sampling: async () => ({ role: "assistant", content: { type: "text", text: "hello there" }, model: "m" }),
      roots: [{ uri: "file:///work", name: "work" }],
    },
  );
  const transport = new StreamableHttpClientTransport(trellis.url);
  await client.connect(transport);
  try {
    assert.equal(client.protocolVersion, "2026-07-28");
    assert.equal(client.serverInfo?.name, "trellis-everything");
    assert.equal(transport.sessionId, undefined, "2026-07-28 has no session");
    assert.equal(text(await client.callTool("test_input_required_result_elicitation", {})), "Hello, Grace!");
    assert.equal(text(await client.callTool("test_input_required_result_multiple_inputs", {})), "name=Grace, model=hello there, roots=1");
    assert.equal(text(await client.callTool("test_input_required_result_multi_round", {})), "name=Grace, city=Paris");
    const prompt = await client.getPrompt("test_input_required_result_prompt");
    assert.equal(prompt.messages.length, 1);
  } finally {
    await client.close();
  }
});

test("the Trellis client negotiates 2026-07-28 with a server built on @modelcontextprotocol/server 2.x", async () => {
  const handler = createMcpHandler(() => {
    const s = new SdkV2Server({ name: "sdk-v2-server", version: "2.0.0" });
    s.registerTool("add", { description: "Adds", inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({
      content: [{ type: "text", text: String(a + b) }],
    }));
    return s;
  });
  const client = new McpClient({ name: "trellis", version: "1" }, { protocolVersion: "auto" });
  await client.connect(
    new StreamableHttpClientTransport("http://127.0.0.1/mcp", {
      fetch: (input, init) => handler.fetch(new Request(input as string | URL, init)),
    }),
  );
  try {
    assert.equal(client.protocolVersion, "2026-07-28");
    assert.equal(client.serverInfo?.name, "sdk-v2-server");
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ["add"],
    );
    assert.equal(text(await client.callTool("add", { a: 2, b: 3 })), "5");
  } finally {
    await client.close();
  }
});

test("the Trellis client falls back to 2025-11-25 against a server built on the SDK 1.x", async () => {
  const sdk1 = await spawnServer([SDK1, "--port", "0"]);
  const client = new McpClient({ name: "trellis", version: "1" }, { protocolVersion: "auto" });
  try {
    const transport = new StreamableHttpClientTransport(sdk1.url);
    await client.connect(transport);
    assert.equal(client.protocolVersion, "2025-11-25");
    assert.ok(transport.sessionId, "a 2025 session");
    assert.equal(text(await client.callTool("echo", { text: "old" })), "old");
  } finally {
    await client.close();
    sdk1.child.kill();
  }
});

test("the Trellis client listens at 2026-07-28: with onListChanged it follows the lists the server says change; an explicit listen is acknowledged with what it asked", async () => {
  const changed: string[] = [];
  const client = new McpClient({ name: "trellis", version: "1" }, { protocolVersion: "auto", onListChanged: (kind) => changed.push(kind) });
  await client.connect(new StreamableHttpClientTransport(trellis.url));
  try {
    const sub = await client.listen({ toolsListChanged: true, promptsListChanged: false });
    assert.deepEqual(sub.notifications, { toolsListChanged: true });
    sub.close();
    await client.callTool("test_trigger_tool_change", {});
    for (let i = 0; i < 50 && !changed.includes("tools"); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(changed.includes("tools"), "the change arrived on the client's own listen stream");
    await client.callTool("test_trigger_prompt_change", {});
    for (let i = 0; i < 50 && !changed.includes("prompts"); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(changed.includes("prompts"));
  } finally {
    await client.close();
  }
});

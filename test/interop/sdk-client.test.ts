/**
 * Interop: the official TypeScript SDK's Client (1.x) against a Trellis server, over stdio and over
 * Streamable HTTP, exercising every server feature.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { serveHttp, type HttpServerHandle } from "../../src/transports/http/index.js";
import { createFeatureServer } from "../fixtures/feature-server.js";
import { waitFor } from "../helpers.js";

const fixture = fileURLToPath(new URL("../fixtures/feature-server.js", import.meta.url));

interface Seen {
  logs: unknown[];
  updated: string[];
  toolsChanged: number;
  elicitations: unknown[];
  samples: unknown[];
}

function makeClient(): { client: Client; seen: Seen } {
  const client = new Client(
    { name: "sdk-interop", version: "1.0.0" },
    { capabilities: { elicitation: { form: {} }, sampling: { tools: {} }, roots: { listChanged: true } } },
  );
  const seen: Seen = { logs: [], updated: [], toolsChanged: 0, elicitations: [], samples: [] };
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    seen.elicitations.push(req.params);
    return { action: "accept", content: { name: "Grace", level: "high" } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    seen.samples.push(req.params);
    return {
      role: "assistant",
      content: { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      model: "test-model",
      stopReason: "toolUse",
    } as any;
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: "file:///work/repo", name: "repo" }] }));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void seen.logs.push(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.updated.push(n.params.uri));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.toolsChanged++);
  return { client, seen };
}

function featureSuite(name: string, connect: (client: Client) => Promise<void>) {
  describe(`official SDK client over ${name}`, () => {
    let client: Client;
    let seen: Seen;
    before(async () => {
      ({ client, seen } = makeClient());
      await connect(client);
    });
    after(async () => {
      await client.close();
    });

    test("initialize: version, capabilities, server info with icons, instructions", () => {
      const v = client.getServerVersion()!;
      assert.equal(v.name, "feature-server");
      assert.equal((v as any).icons[0].src, "https://example.com/icon.png");
      const caps = client.getServerCapabilities()!;
      assert.deepEqual(caps.tools, { listChanged: true });
      assert.deepEqual(caps.resources, { subscribe: true, listChanged: true });
      assert.equal(client.getInstructions(), "Feature fixture");
    });

    test("tools: paginated list, structured output checked by the SDK, resource links", async () => {
      const first = await client.listTools();
      assert.equal(first.tools.length, 4);
      assert.ok(first.nextCursor);
      const all = [...first.tools];
      let cursor: string | undefined = first.nextCursor;
      while (cursor) {
        const page = await client.listTools({ cursor });
        all.push(...page.tools);
        cursor = page.nextCursor;
      }
      assert.equal(all.length, 14);
      const echo = all.find((t) => t.name === "echo")!;
      assert.equal(echo.title, "Echo");
      assert.deepEqual(echo.annotations, { readOnlyHint: true });
      const r = await client.callTool({ name: "echo", arguments: { text: "hi" } });
      assert.deepEqual(r.structuredContent, { echoed: "hi" });
      const invalid = await client.callTool({ name: "echo", arguments: {} });
      assert.equal(invalid.isError, true);
      const link = await client.callTool({ name: "link" });
      assert.equal((link.content as any)[0].type, "resource_link");
      await assert.rejects(client.callTool({ name: "missing" }), (e: any) => e instanceof McpError && e.code === -32602);
    });

    test("progress notifications reach onprogress", async () => {
      const seenProgress: number[] = [];
      const r = await client.callTool({ name: "steps" }, undefined, { onprogress: (p) => void seenProgress.push(p.progress) });
      assert.equal((r.content as any)[0].text, "stepped");
      assert.deepEqual(seenProgress, [1, 2, 3]);
    });

    test("logging: setLevel filters what the server sends", async () => {
      await client.setLoggingLevel("warning");
      await client.callTool({ name: "log" });
      await waitFor(() => seen.logs.length >= 2);
      assert.deepEqual(
        seen.logs.map((l: any) => l.level),
        ["warning", "error"],
      );
    });

    test("cancellation through an AbortSignal", async () => {
      const ac = new AbortController();
      const p = client.callTool({ name: "wait" }, undefined, { signal: ac.signal });
      setTimeout(() => ac.abort("stop"), 30);
      await assert.rejects(p);
      assert.deepEqual(await client.ping(), {});
    });

    test("elicitation (form) answered by the client", async () => {
      const r = await client.callTool({ name: "ask" });
      assert.equal((r.content as any)[0].text, 'elicited: accept {"name":"Grace","level":"high"}');
      assert.equal((seen.elicitations[0] as any).requestedSchema.properties.name.default, "Ann");
    });

    test("URL elicitation required (-32042) surfaces as an McpError carrying the elicitations", async () => {
      await assert.rejects(
        client.callTool({ name: "signin" }),
        (e: any) =>
          e instanceof McpError && e.code === -32042 && (e.data as any).elicitations[0].url === "https://auth.example.com/connect",
      );
    });

    test("sampling with tools (SEP-1577)", async () => {
      const r = await client.callTool({ name: "think" });
      assert.match((r.content as any)[0].text, /"type":"tool_use".*stop=toolUse/);
      assert.equal((seen.samples[0] as any).tools[0].name, "get_weather");
    });

    test("roots", async () => {
      const r = await client.callTool({ name: "roots" });
      assert.equal((r.content as any)[0].text, "roots: file:///work/repo");
    });

    test("resources: list, read text and binary, templates, subscribe and updates, not found", async () => {
      const list = await client.listResources();
      assert.deepEqual(
        list.resources.map((r) => r.uri),
        ["file:///notes.txt", "file:///logo.png"],
      );
      const text = await client.readResource({ uri: "file:///notes.txt" });
      assert.equal((text.contents[0] as any).text, "remember the milk");
      const bin = await client.readResource({ uri: "file:///logo.png" });
      assert.equal((bin.contents[0] as any).blob, "iVBORw==");
      const templates = await client.listResourceTemplates();
      assert.equal(templates.resourceTemplates[0]!.uriTemplate, "notes://{topic}");
      assert.equal(((await client.readResource({ uri: "notes://garden" })).contents[0] as any).text, "notes about garden");
      await client.subscribeResource({ uri: "file:///notes.txt" });
      await client.callTool({ name: "touch", arguments: { uri: "file:///notes.txt" } });
      await waitFor(() => seen.updated.includes("file:///notes.txt"));
      await client.unsubscribeResource({ uri: "file:///notes.txt" });
      await assert.rejects(client.readResource({ uri: "file:///nope" }), (e: any) => e.code === -32002);
    });

    test("prompts and completion", async () => {
      const prompts = await client.listPrompts();
      assert.deepEqual(
        prompts.prompts.map((p) => p.name),
        ["review", "picture"],
      );
      const p = await client.getPrompt({ name: "review", arguments: { language: "go" } });
      assert.equal((p.messages[0]!.content as any).text, "Review this go code");
      assert.equal(p.messages[1]!.content.type, "resource");
      const c1 = await client.complete({ ref: { type: "ref/prompt", name: "review" }, argument: { name: "language", value: "t" } });
      assert.deepEqual(c1.completion.values, ["typescript"]);
      const c2 = await client.complete({ ref: { type: "ref/resource", uri: "notes://{topic}" }, argument: { name: "topic", value: "g" } });
      assert.deepEqual(c2.completion.values, ["groceries", "garden"]);
    });

    test("list_changed when a tool is registered at run time", async () => {
      const before = seen.toolsChanged;
      await client.callTool({ name: "grow" });
      await waitFor(() => seen.toolsChanged > before);
    });
  });
}

featureSuite("stdio", async (client) => {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({ command: process.execPath, args: [fixture, "--stdio"], stderr: "pipe" });
  transport.stderr?.on("data", (c) => stderr.push(String(c)));
  await client.connect(transport);
});

let http: HttpServerHandle;
featureSuite("Streamable HTTP", async (client) => {
  http = await serveHttp(createFeatureServer(), { eventStore: "memory" });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
});
after(async () => {
  await http?.close();
});

/**
 * Interop: the Trellis client against servers built on the official SDK 1.x (a fixture of ours and
 * @modelcontextprotocol/server-everything), over stdio and Streamable HTTP, including the sampling,
 * elicitation and roots requests those servers send.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";
import type { Transport } from "../../src/jsonrpc/transport.js";
import { waitFor, freePort, spawnServer } from "../helpers.js";

const require = createRequire(import.meta.url);
const sdkFixture = fileURLToPath(new URL("../fixtures/sdk-server.js", import.meta.url));
const loopbackOnly = fileURLToPath(new URL("../fixtures/loopback-only.js", import.meta.url));
const everything = join(dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")), "dist/index.js");

type Seen = { logs: unknown[]; samples: unknown[]; elicits: unknown[] };

function makeClient(seen: Seen) {
  return new McpClient(
    { name: "trellis-interop", version: "1.0.0" },
    {
      sampling: (p) => (
        seen.samples.push(p), { role: "assistant", content: { type: "text", text: "4" }, model: "test-model", stopReason: "endTurn" }
      ),
      elicitForm: (p) => {
        seen.elicits.push(p);
        // Answer like a person who fills in the required fields and leaves the rest to the defaults.
        const content: Record<string, string | number | boolean | string[]> = { age: 36 };
        for (const [k, prop] of Object.entries(p.requestedSchema.properties) as [string, Record<string, any>][]) {
          if (!p.requestedSchema.required?.includes(k) || prop.default !== undefined) continue;
          content[k] =
            prop.enum?.[0] ??
            prop.oneOf?.[0]?.const ??
            (prop.type === "boolean" ? true : prop.type === "number" || prop.type === "integer" ? 1 : prop.type === "array" ? [] : "x");
        }
        if (!("age" in p.requestedSchema.properties)) delete content.age;
        return { action: "accept", content };
      },
      roots: [{ uri: "file:///work/project", name: "project" }],
      onLog: (l) => seen.logs.push(l),
    },
  );
}

/** clientSuite connects one Trellis client for a describe block and closes it after; `tests` adds the tests. */
function clientSuite(
  title: string,
  transport: () => Promise<Transport>,
  cleanup: () => void,
  tests: (client: McpClient, seen: Seen) => void,
) {
  describe(title, () => {
    const seen: Seen = { logs: [], samples: [], elicits: [] };
    const client = makeClient(seen);
    before(async () => {
      await client.connect(await transport());
    });
    after(async () => {
      await client.close();
      cleanup();
    });
    tests(client, seen);
  });
}

function sdkFixtureSuite(name: string, transport: () => Promise<Transport>, cleanup: () => void = () => {}) {
  clientSuite(`Trellis client vs official SDK server over ${name}`, transport, cleanup, (client, seen) => {
    test("tools with structured output, progress, logging", async () => {
      const tools = await client.listAllTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["ask", "echo", "log", "progress", "roots", "sample"]);
      const r = await client.callTool("echo", { text: "hi" });
      assert.deepEqual(r.structuredContent, { echoed: "hi" });
      const progress: number[] = [];
      await client.callTool("progress", {}, { onprogress: (p) => progress.push(p.progress) });
      assert.deepEqual(progress, [1, 2, 3]);
      await client.setLoggingLevel("debug");
      await client.callTool("log");
      await waitFor(() => seen.logs.length > 0);
    });
    test("sampling, elicitation (defaults applied) and roots requests from the server", async () => {
      assert.equal((await client.callTool("sample")).content[0]!.type, "text");
      assert.match(((await client.callTool("sample")).content[0] as { text: string }).text, /model said: 4/);
      const e = ((await client.callTool("ask")).content[0] as { text: string }).text;
      assert.equal(e, 'elicited: {"action":"accept","content":{"age":36,"name":"Ada"}}');
      assert.equal(((await client.callTool("roots")).content[0] as { text: string }).text, "file:///work/project");
    });
    test("resources, templates, completion, prompts", async () => {
      assert.equal(((await client.readResource("file:///readme.md")).contents[0] as { text: string }).text, "# hi");
      const templates = [];
      for await (const t of client.resourceTemplates()) templates.push(t);
      assert.equal(templates[0]!.uriTemplate, "users://{id}");
      assert.equal(((await client.readResource("users://bob")).contents[0] as { text: string }).text, "user bob");
      assert.deepEqual(
        (await client.complete({ ref: { type: "ref/resource", uri: "users://{id}" }, argument: { name: "id", value: "a" } })).completion
          .values,
        ["alice"],
      );
      assert.equal(((await client.getPrompt("greet", { who: "you" })).messages[0]!.content as { text: string }).text, "hello you");
    });
  });
}

let sdkHttp: ChildProcess | undefined;
sdkFixtureSuite("stdio", async () => new StdioClientTransport({ command: process.execPath, args: [sdkFixture, "--stdio"] }));
sdkFixtureSuite(
  "Streamable HTTP",
  async () => {
    const { url, child } = await spawnServer([sdkFixture, "--port", "0"]);
    sdkHttp = child;
    return new StreamableHttpClientTransport(url);
  },
  () => sdkHttp?.kill(),
);

function everythingSuite(name: string, transport: () => Promise<Transport>, cleanup: () => void = () => {}) {
  clientSuite(`Trellis client vs @modelcontextprotocol/server-everything over ${name}`, transport, cleanup, (client, seen) => {
    test("tools: echo, sum, structured content, long-running progress", async () => {
      const names = (await client.listAllTools()).map((t) => t.name);
      for (const n of ["echo", "get-sum", "get-structured-content", "trigger-long-running-operation"]) assert.ok(names.includes(n), n);
      assert.match(((await client.callTool("echo", { message: "hello" })).content[0] as { text: string }).text, /hello/);
      assert.match(((await client.callTool("get-sum", { a: 2, b: 3 })).content[0] as { text: string }).text, /5/);
      const sc = await client.callTool("get-structured-content", { location: "New York" });
      assert.equal(typeof (sc.structuredContent as { temperature: number }).temperature, "number");
      const progress: number[] = [];
      await client.callTool(
        "trigger-long-running-operation",
        { duration: 0.3, steps: 3 },
        { onprogress: (p) => progress.push(p.progress) },
      );
      assert.equal(progress.length, 3);
    });
    test("server-initiated sampling, elicitation and roots", async () => {
      const names = (await client.listAllTools()).map((t) => t.name);
      if (names.includes("trigger-sampling-request")) {
        const r = await client.callTool("trigger-sampling-request", { prompt: "2+2?" });
        assert.equal(r.isError ?? false, false);
        assert.equal(seen.samples.length, 1);
      }
      if (names.includes("trigger-elicitation-request")) {
        const r = await client.callTool("trigger-elicitation-request", {});
        assert.equal(r.isError ?? false, false, JSON.stringify(r));
        assert.equal(seen.elicits.length, 1);
      }
      if (names.includes("get-roots-list"))
        assert.match(JSON.stringify(await client.callTool("get-roots-list", {})), /file:\/\/\/work\/project/);
      assert.ok(
        names.includes("trigger-sampling-request") && names.includes("trigger-elicitation-request"),
        "server-everything offers the sampling and elicitation tools to a client that declares them",
      );
    });
    test("resources and prompts", async () => {
      const resources = await client.listAllResources();
      assert.ok(resources.length > 0);
      const first = await client.readResource(resources[0]!.uri);
      assert.equal(first.contents[0]!.uri, resources[0]!.uri);
      const prompts = await client.listAllPrompts();
      assert.ok(prompts.length > 0);
    });
  });
}

let everythingHttp: ChildProcess | undefined;
everythingSuite("stdio", async () => new StdioClientTransport({ command: process.execPath, args: [everything, "stdio"] }));
everythingSuite(
  "Streamable HTTP",
  async () => {
    const port = String(await freePort());
    const { url, child } = await spawnServer([`--import=${loopbackOnly}`, everything, "streamableHttp"], {
      env: { PORT: port },
      ready: /listening on port (\d+)/,
    });
    everythingHttp = child;
    return new StreamableHttpClientTransport(`http://127.0.0.1:${url}/mcp`);
  },
  () => everythingHttp?.kill(),
);

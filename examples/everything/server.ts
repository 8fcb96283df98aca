/**
 * The "everything" server: every tool, resource and prompt that the official conformance suite
 * (@modelcontextprotocol/conformance) exercises, plus a few that show Trellis features. It is both the
 * conformance fixture (`npm run everything-server -- --port P`) and the example server (`npm start`).
 */
import { fileURLToPath } from "node:url";
import { McpServer, type ServerOptions, type TaskOptions } from "trellis-mcp/server";
import { SqliteTaskStore } from "trellis-mcp/stores/sqlite";
import { RedisTaskStore } from "trellis-mcp/stores/redis";
import { serveHttp } from "trellis-mcp/http";
import { StdioServerTransport } from "trellis-mcp/stdio";
import { skillsServer, type SkillSource } from "trellis-mcp/skills";
import { readSkillsDirectory } from "trellis-mcp/skills/node";
import { addDiceApp } from "./app-view.js";
import { addModernFixtures, addTaskFixtures } from "./modern.js";
import { appsServer } from "trellis-mcp/apps";
import { AuthorizationServer, auditRequests, localUsers } from "trellis-mcp/auth-server";

/** The example's skills folder (examples/everything/skills), from the source or the built file alike. */
export const SKILLS_DIR = new URL(import.meta.url.includes("/dist/") ? "../../../examples/everything/skills" : "./skills", import.meta.url);

/** A 1x1 red PNG. */
export const RED_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/** A 10 ms, 8 kHz, 8-bit mono WAV of silence, built rather than pasted so it is obviously valid. */
function silentWav(): string {
  const samples = 80;
  const b = Buffer.alloc(44 + samples);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + samples, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write("data", 36);
  b.writeUInt32LE(samples, 40);
  b.fill(128, 44);
  return b.toString("base64");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createEverythingServer(
  options: {
    tasks?: TaskOptions;
    skills?: SkillSource[];
    apps?: boolean;
    onRequest?: ServerOptions["onRequest"];
    unauthorizedItems?: ServerOptions["unauthorizedItems"];
  } = {},
): McpServer {
  const server = new McpServer(
    {
      name: "trellis-everything",
      version: "0.1.0",
      title: "Trellis everything server",
      description: "Every MCP feature, for conformance and demos",
    },
    {
      instructions: "A test server: every tool exists to exercise one protocol feature.",
      tasks: options.tasks,
      unauthorizedItems: options.unauthorizedItems,
      onRequest: options.onRequest,
    },
  );

  server.registerTool("test_simple_text", { description: "Returns simple text" }, () => "This is a simple text response for testing.");
  server.registerTool("test_image_content", { description: "Returns an image" }, () => ({
    content: [{ type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" }],
  }));
  const wav = silentWav();
  server.registerTool("test_audio_content", { description: "Returns audio" }, () => ({
    content: [{ type: "audio", data: wav, mimeType: "audio/wav" }],
  }));
  server.registerTool("test_embedded_resource", { description: "Returns an embedded resource" }, () => ({
    content: [
      {
        type: "resource",
        resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." },
      },
    ],
  }));
  server.registerTool("test_multiple_content_types", { description: "Returns text, image and resource content" }, () => ({
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" },
      {
        type: "resource",
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' },
      },
    ],
  }));
  server.registerTool("test_tool_with_logging", { description: "Sends three log messages while it runs" }, async (_args, ctx) => {
    ctx.log("info", "Tool execution started");
    await sleep(50);
    ctx.log("info", "Tool processing data");
    await sleep(50);
    ctx.log("info", "Tool execution completed");
    return "Logging test completed";
  });
  server.registerTool("test_error_handling", { description: "Always fails" }, () => {
    throw new Error("This tool intentionally returns an error for testing");
  });
  server.registerTool("test_tool_with_progress", { description: "Reports progress 0, 50, 100 of 100" }, async (_args, ctx) => {
    ctx.progress(0, 100);
    await sleep(50);
    ctx.progress(50, 100);
    await sleep(50);
    ctx.progress(100, 100);
    return "Progress test completed";
  });
  server.registerTool(
    "test_reconnection",
    { description: "Closes its SSE stream mid-call and answers after the client reconnects (SEP-1699)" },
    async (_args, ctx) => {
      ctx.closeSSEStream();
      await sleep(100);
      return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
    },
  );
  server.registerTool(
    "test_sampling",
    {
      description: "Asks the client's model to answer a prompt",
      inputSchema: {
        type: "object",
        properties: { prompt: { type: "string", description: "The prompt to send to the LLM" } },
        required: ["prompt"],
      },
    },
    async (args, ctx) => {
      const r = await ctx.sample({ messages: [{ role: "user", content: { type: "text", text: String(args.prompt) } }], maxTokens: 100 });
      const c = r.content as { type: string; text?: string };
      return `LLM response: ${c.type === "text" ? c.text : JSON.stringify(r.content)}`;
    },
  );
  server.registerTool(
    "test_elicitation",
    {
      description: "Asks the user for a username and email",
      inputSchema: {
        type: "object",
        properties: { message: { type: "string", description: "The message to show the user" } },
        required: ["message"],
      },
    },
    async (args, ctx) => {
      const r = await ctx.elicit({
        message: String(args.message),
        requestedSchema: {
          type: "object",
          properties: {
            username: { type: "string", description: "User's response" },
            email: { type: "string", description: "User's email address" },
          },
          required: ["username", "email"],
        },
      });
      return `User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  );
  server.registerTool(
    "test_elicitation_sep1034_defaults",
    { description: "Elicitation with defaults for every primitive type (SEP-1034)" },
    async (_args, ctx) => {
      const r = await ctx.elicit({
        message: "Please review and update the form fields with defaults",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "User name", default: "John Doe" },
            age: { type: "integer", description: "User age", default: 30 },
            score: { type: "number", description: "User score", default: 95.5 },
            status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
            verified: { type: "boolean", description: "Verification status", default: true },
          },
        },
      });
      return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  );
  server.registerTool(
    "test_elicitation_sep1330_enums",
    { description: "Elicitation with the five enum schema variants (SEP-1330)" },
    async (_args, ctx) => {
      const r = await ctx.elicit({
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: { type: "string", description: "Untitled single-select", enum: ["option1", "option2", "option3"] },
            titledSingle: {
              type: "string",
              description: "Titled single-select",
              oneOf: [
                { const: "value1", title: "First Option" },
                { const: "value2", title: "Second Option" },
                { const: "value3", title: "Third Option" },
              ],
            },
            legacyEnum: {
              type: "string",
              description: "Legacy titled enum",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"],
            },
            untitledMulti: {
              type: "array",
              description: "Untitled multi-select",
              items: { type: "string", enum: ["option1", "option2", "option3"] },
            },
            titledMulti: {
              type: "array",
              description: "Titled multi-select",
              items: {
                anyOf: [
                  { const: "value1", title: "First Choice" },
                  { const: "value2", title: "Second Choice" },
                  { const: "value3", title: "Third Choice" },
                ],
              },
            },
          },
        },
      });
      return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  );
  server.registerTool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features",
      inputSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        $defs: { address: { $anchor: "addressDef", type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
        properties: {
          name: { type: "string" },
          address: { $ref: "#/$defs/address" },
          contactMethod: { type: "string", enum: ["phone", "email"] },
          phone: { type: "string" },
          email: { type: "string" },
        },
        allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
        if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
        // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here, not a thenable
        then: { required: ["phone"] },
        else: { required: ["email"] },
        additionalProperties: false,
      },
    },
    (args) => `Received: ${JSON.stringify(args)}`,
  );
  server.registerTool(
    "echo",
    {
      title: "Echo",
      description: "Echoes its input, as text and as structured content",
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      outputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      annotations: { readOnlyHint: true, idempotentHint: true },
      icons: [{ src: `data:image/png;base64,${RED_PIXEL_PNG}`, mimeType: "image/png", sizes: ["1x1"] }],
    },
    (args) => ({ content: [{ type: "text", text: String(args.text) }], structuredContent: { text: String(args.text) } }),
  );

  const steps = { type: "object", properties: { seconds: { type: "number", minimum: 0, maximum: 600, default: 3 } } } as const;
  server.registerTool(
    "long_running_task",
    {
      description: "A few seconds of work with progress; call it as a task (taskSupport optional) or normally",
      inputSchema: steps,
      execution: { taskSupport: "optional" },
    },
    async (args, ctx) => {
      const total = 10;
      for (let i = 1; i <= total; i++) {
        if (ctx.signal.aborted) return "cancelled";
        await sleep(((args.seconds as number) * 1000) / total);
        ctx.progress(i, total, `step ${i} of ${total}`);
      }
      return `finished ${total} steps in ${args.seconds} s`;
    },
  );
  server.registerTool(
    "broadcast_log",
    {
      description: "Sends `count` log messages to every connected session (server.log: on each session's GET stream)",
      inputSchema: {
        type: "object",
        properties: { count: { type: "integer", minimum: 1, maximum: 1000, default: 1 }, tag: { type: "string" } },
      },
    },
    (args) => {
      const count = (args.count as number | undefined) ?? 1;
      for (let n = 1; n <= count; n++) server.log("info", { tag: args.tag ?? "broadcast", n });
      return `sent ${count} log messages`;
    },
  );
  server.registerTool(
    "resumable_task",
    {
      description: "Like long_running_task, but safe to re-run: after a server restart it resumes instead of failing",
      inputSchema: steps,
      execution: { taskSupport: "optional" },
      resumable: true,
    },
    async (args, ctx) => {
      await sleep((args.seconds as number) * 1000);
      ctx.setStatusMessage("done sleeping");
      return `slept ${args.seconds} s`;
    },
  );

  server.registerResource(
    "test://static-text",
    { name: "static-text", description: "A static text resource", mimeType: "text/plain" },
    () => ({
      text: "This is the content of the static text resource.",
    }),
  );
  server.registerResource(
    "test://static-binary",
    { name: "static-binary", description: "A static binary resource (PNG)", mimeType: "image/png" },
    () => ({ blob: RED_PIXEL_PNG }),
  );
  server.registerResource(
    "test://watched-resource",
    { name: "watched-resource", description: "A resource to subscribe to", mimeType: "text/plain" },
    () => ({
      text: `Watched resource content at ${new Date().toISOString()}`,
    }),
  );
  server.registerResourceTemplate(
    "test://template/{id}/data",
    {
      name: "template-data",
      description: "Data for an id",
      mimeType: "application/json",
      complete: { id: (v) => ["123", "456", "789"].filter((x) => x.startsWith(v)) },
    },
    (uri, vars) => ({
      contents: [
        { uri, mimeType: "application/json", text: JSON.stringify({ id: vars.id, templateTest: true, data: `Data for ID: ${vars.id}` }) },
      ],
    }),
  );

  server.registerPrompt("test_simple_prompt", { description: "A prompt without arguments" }, () => [
    { role: "user", content: { type: "text", text: "This is a simple prompt for testing." } },
  ]);
  server.registerPrompt(
    "test_prompt_with_arguments",
    {
      description: "A prompt with two required arguments",
      arguments: [
        {
          name: "arg1",
          description: "First test argument",
          required: true,
          complete: (v) => ["paris", "park", "party", "test", "testing"].filter((x) => x.startsWith(v)),
        },
        { name: "arg2", description: "Second test argument", required: true },
      ],
    },
    (args) => [{ role: "user", content: { type: "text", text: `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'` } }],
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    {
      description: "A prompt that embeds a resource",
      arguments: [{ name: "resourceUri", description: "URI of the resource to embed", required: true }],
    },
    (args) => [
      {
        role: "user",
        content: {
          type: "resource",
          resource: { uri: args.resourceUri!, mimeType: "text/plain", text: "Embedded resource content for testing." },
        },
      },
      { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
    ],
  );
  server.registerPrompt("test_prompt_with_image", { description: "A prompt with an image" }, () => [
    { role: "user", content: { type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" } },
    { role: "user", content: { type: "text", text: "Please analyze the image above." } },
  ]);
  // Skills (SEP-2640): the folder's skills as skill:// resources, with skills/list, skills/get and directory reads.
  if (options.skills) server.use(skillsServer({ skills: options.skills }));
  // 2026-07-28: tools and a prompt that ask for input (input_required rounds there, requests to the client on 2025).
  addModernFixtures(server);
  addTaskFixtures(server);
  // MCP Apps: a dice roller view, the tool that shows it, and a tool only the view may call.
  if (options.apps) addDiceApp(server.use(appsServer()));
  return server;
}

/**
 * The demo authorization server behind `--auth-server`: two users of different roles, a pre-registered public
 * client `conformance` (redirect http://127.0.0.1/callback on any port), Client ID Metadata Documents and dynamic
 * registration on, an audit log admins may read over HTTP, and a tool that needs the write scope so that step-up can
 * be tried. Nothing of it exists without the flag.
 */
function addWriteNote(server: McpServer): void {
  server.registerTool(
    "write_note",
    {
      description: "Stores a note (needs the mcp:write scope)",
      inputSchema: { type: "object", properties: { text: { type: "string" } } },
      scopes: ["mcp:write"],
    },
    (args, ctx) => `noted for ${ctx.authInfo?.subject ?? "someone"}: ${String(args.text ?? "")}`,
  );
}

async function demoAuthServer(database: string | undefined): Promise<AuthorizationServer> {
  const as = new AuthorizationServer({
    database,
    defaultScopes: ["mcp:read"],
    roles: { reader: ["mcp:read"], writer: ["mcp:read", "mcp:write"], admin: ["mcp:read", "mcp:write", "mcp:admin"] },
    // Admins may read the audit log over HTTP (the dashboard's Audit view).
    auditScope: "mcp:admin",
    // Every way a client can say who it is: pre-registered (below), metadata documents (on by default) and DCR.
    dcr: true,
    users: localUsers([
      { username: "alice", password: "alice-demo-password", name: "Alice (every role)", roles: ["reader", "writer", "admin"] },
      { username: "bob", password: "bob-demo-password", name: "Bob (read-only)", roles: ["reader"] },
    ]),
    clients: [{ clientId: "conformance", clientName: "Conformance client", redirectUris: ["http://127.0.0.1/callback"] }],
  });
  await as.ready();
  return as;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const database = arg("database");
  // Tasks live in SQLite beside the sessions and stream events, so they survive a restart.
  // --task-lease-ms: how long a running task stays claimed by this process without renewal (default 15 s).
  const leaseMs = arg("task-lease-ms");
  // --redis URL: sessions, streams and tasks on Redis; this process is one node of a cluster (npm run cluster).
  const redis = arg("redis");
  // --auth-server: the demo authorization server, which also records every MCP request in its audit log.
  const authServer =
    process.argv.includes("--auth-server") && !process.argv.includes("--stdio") ? await demoAuthServer(database) : undefined;
  const server = createEverythingServer({
    tasks: {
      store: redis ? new RedisTaskStore({ redis }) : new SqliteTaskStore({ filename: database }),
      ...(leaseMs ? { leaseMs: Number(leaseMs) } : {}),
    },
    skills: await readSkillsDirectory(fileURLToPath(SKILLS_DIR)),
    apps: true,
    onRequest: authServer && auditRequests(authServer),
    // The demo lists write_note to everyone, so that calling it shows the step-up (a real server hides it: "hide").
    unauthorizedItems: authServer ? "show" : undefined,
  });
  if (process.argv.includes("--stdio")) {
    server.connect(new StdioServerTransport());
    return;
  }
  if (authServer) addWriteNote(server);
  const handle = await serveHttp(server, {
    port: Number(arg("port") ?? 3000),
    stateless: process.argv.includes("--stateless"),
    eventStore: (arg("event-store") as "sqlite" | "memory" | undefined) ?? (redis ? "redis" : "sqlite"),
    database,
    redis,
    // Behind a balancer the Host header is the balancer's: --allowed-hosts names what clients use.
    ...(arg("allowed-hosts") ? { allowedHosts: arg("allowed-hosts")!.split(",") } : {}),
    authServer,
  });
  process.stderr.write(`trellis everything server listening on ${handle.url}\n`);
  if (authServer)
    process.stderr.write(
      `authorization server: ${authServer.issuer} (demo users alice / alice-demo-password, bob / bob-demo-password; your grants: ${authServer.issuer}/authorize/grants)\n`,
    );
  const stop = () => void handle.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

// Run as a program, unless another entry imports this file as a library (the bundle entry does, bundled into one file).
if (import.meta.url === `file://${process.argv[1]}` && !process.env.TRELLIS_EVERYTHING_LIBRARY) void main();

/**
 * Bench servers: the same one-tool echo fixture on Trellis, on the official SDK 1.x, and as a bare
 * JSON-RPC echo (the physical limit), over Streamable HTTP or stdio.
 *
 *   node --expose-gc dist/bench/server.js <trellis|sdk|bare> <http|stdio> <json|sse|stateless|redis|tasks-…> [port]
 *
 * Probes, so the runner can measure from outside: SIGUSR1 writes `cpu {user,system}` (microseconds) and
 * SIGUSR2 runs gc and writes `mem {heapUsed,rss}` to stderr. An HTTP server writes `ready <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
// Each implementation is imported only when chosen, so cold start measures that implementation alone.
// Trellis is loaded through its package entry points (the bundles), as an application would load it.
type TrellisMods = [typeof import("trellis-mcp/server"), typeof import("trellis-mcp/http"), typeof import("trellis-mcp/stdio")];
type SdkMods = [
  typeof import("@modelcontextprotocol/sdk/server/mcp.js"),
  typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
  typeof import("@modelcontextprotocol/sdk/server/stdio.js"),
  typeof import("@modelcontextprotocol/sdk/types.js"),
  typeof import("zod"),
];
const trellis = (): Promise<TrellisMods> =>
  transport === "stdio"
    ? Promise.all([import("trellis-mcp/server"), {} as TrellisMods[1], import("trellis-mcp/stdio")])
    : Promise.all([import("trellis-mcp/server"), import("trellis-mcp/http"), {} as TrellisMods[2]]);
const sdk = (): Promise<SdkMods> =>
  Promise.all([
    import("@modelcontextprotocol/sdk/server/mcp.js"),
    import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/server/stdio.js"),
    import("@modelcontextprotocol/sdk/types.js"),
    import("zod"),
  ]);

const [impl, transport, mode = "json", portArg = "0"] = process.argv.slice(2);
const port = Number(portArg);

process.on("SIGUSR1", () => {
  const u = process.cpuUsage();
  process.stderr.write(`cpu ${JSON.stringify(u)}\n`);
});
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stderr.write(`mem ${JSON.stringify({ heapUsed: m.heapUsed, rss: m.rss })}\n`);
});

/** The fixture. The task rate limit is off: one load generator on one address stands for many clients. */
function trellisServer([{ McpServer }]: TrellisMods, tasks?: unknown) {
  const s = new McpServer(
    { name: "bench", version: "1.0.0" },
    tasks ? { tasks: { store: tasks as never, pollIntervalMs: 5, rateLimit: false } } : {},
  );
  s.registerTool("instant", { execution: { taskSupport: "optional" } }, () => ({ content: [{ type: "text", text: "done" }] }));
  s.registerTool("echo", { inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }, (a) => ({
    content: [{ type: "text", text: a.text as string }],
  }));
  return s;
}

let sdkTaskStore: unknown;
function sdkServer([{ McpServer: SdkMcpServer }, , , , z]: SdkMods) {
  const s = new SdkMcpServer(
    { name: "bench", version: "1.0.0" },
    sdkTaskStore
      ? { capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }, taskStore: sdkTaskStore as never }
      : {},
  );
  if (sdkTaskStore) {
    s.experimental.tasks.registerToolTask(
      "instant",
      { execution: { taskSupport: "optional" } },
      {
        createTask: async (extra) => {
          const task = await extra.taskStore.createTask({ ttl: 3_600_000, pollInterval: 5 });
          await extra.taskStore.storeTaskResult(task.taskId, "completed", { content: [{ type: "text", text: "done" }] });
          return { task };
        },
        getTask: async (extra) => extra.taskStore.getTask(extra.taskId),
        getTaskResult: async (extra) => extra.taskStore.getTaskResult(extra.taskId) as never,
      },
    );
  }
  s.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: "text", text }] }));
  return s;
}

function ready(p: number) {
  process.stderr.write(`ready ${p}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** The bare echo: what node:http and JSON cost, and nothing else. */
function bareReply(msg: { id?: unknown; method?: string; params?: { arguments?: { text?: string } } }): string | undefined {
  if (msg.id === undefined) return undefined;
  const result =
    msg.method === "tools/call"
      ? { content: [{ type: "text", text: msg.params?.arguments?.text }] }
      : msg.method === "initialize"
        ? { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "bare", version: "1" } }
        : {};
  return JSON.stringify({ jsonrpc: "2.0", id: msg.id, result });
}

async function main() {
  if (transport === "stdio") {
    if (impl === "trellis") {
      const m = await trellis();
      trellisServer(m).connect(new m[2].StdioServerTransport());
    } else if (impl === "sdk") {
      const m = await sdk();
      await sdkServer(m).connect(new m[2].StdioServerTransport());
    } else {
      const rl = createInterface({ input: process.stdin });
      rl.on("line", (line) => {
        const out = bareReply(JSON.parse(line));
        if (out) process.stdout.write(`${out}\n`);
      });
    }
    return;
  }
  if (impl === "trellis") {
    const m = await trellis();
    let store: unknown;
    if (mode === "tasks-sqlite") {
      const { SqliteTaskStore } = await import("trellis-mcp/stores/sqlite");
      store = new SqliteTaskStore({ filename: process.env.BENCH_TASK_DB ?? "bench/.tmp/tasks.db" });
    } else if (mode === "tasks-memory") store = new m[0].MemoryTaskStore();
    // "redis" / "tasks-redis": one node of a cluster on BENCH_REDIS (bench/cluster.ts), everything shared on Redis.
    const redis = mode.endsWith("redis") ? process.env.BENCH_REDIS : undefined;
    if (mode === "tasks-redis") {
      const { RedisTaskStore } = await import("trellis-mcp/stores/redis");
      store = new RedisTaskStore({ redis });
    }
    const h = await m[1].serveHttp(trellisServer(m, store), {
      port,
      stateless: mode === "stateless",
      responseMode: mode === "sse" ? "sse" : "auto",
      ...(redis ? { redis } : { eventStore: "memory", sessionStore: "memory" }),
      maxSessionsPerClient: 100_000,
    }); // one load generator stands for many clients
    return ready(h.port);
  }
  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  if (impl === "sdk" && mode === "modern") {
    // 2026-07-28 on the official SDK is v2: its dual-era HTTP entry, a server from the factory per request.
    const { createMcpHandler, McpServer } = await import("@modelcontextprotocol/server");
    const z = await import("zod");
    const entry = createMcpHandler(() => {
      const s = new McpServer({ name: "sdk2-bench", version: "1" });
      s.registerTool("echo", { description: "Echo", inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
        content: [{ type: "text", text }],
      }));
      return s;
    });
    handler = async (req, res) => {
      const body = req.method === "POST" ? await readBody(req) : undefined;
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const reply = await entry.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body }));
      const out = Buffer.from(await reply.arrayBuffer());
      const out2: Record<string, string> = {};
      reply.headers.forEach((v, k) => {
        out2[k] = v;
      });
      res.writeHead(reply.status, out2);
      res.end(out);
    };
  } else if (impl === "sdk") {
    const m = await sdk();
    if (mode === "tasks") {
      const { InMemoryTaskStore } = await import("@modelcontextprotocol/sdk/experimental/tasks");
      sdkTaskStore = new InMemoryTaskStore();
    }
    const { StreamableHTTPServerTransport } = m[1];
    const { isInitializeRequest } = m[3];
    const sessions = new Map<string, InstanceType<typeof StreamableHTTPServerTransport>>();
    handler = async (req, res) => {
      const body = req.method === "POST" ? JSON.parse(await readBody(req)) : undefined;
      if (mode === "stateless") {
        // The SDK's documented stateless pattern: a fresh server and transport per request.
        const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        const s = sdkServer(m);
        res.on("close", () => {
          void t.close();
          void s.close();
        });
        await s.connect(t);
        await t.handleRequest(req, res, body);
        return;
      }
      const sid = req.headers["mcp-session-id"] as string | undefined;
      let t = sid ? sessions.get(sid) : undefined;
      if (!t && body && isInitializeRequest(body)) {
        t = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: mode === "json" || mode === "tasks",
          onsessioninitialized: (id) => void sessions.set(id, t!),
        });
        await sdkServer(m).connect(t);
      }
      if (!t) {
        res.writeHead(400).end();
        return;
      }
      await t.handleRequest(req, res, body);
    };
  } else {
    handler = async (req, res) => {
      const out = bareReply(JSON.parse(await readBody(req)));
      if (!out) {
        res.writeHead(202).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
      res.end(out);
    };
  }
  const server = createServer((req, res) => void handler(req, res).catch(() => res.writeHead(500).end()));
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1", () => ready((server.address() as { port: number }).port));
}

void main();

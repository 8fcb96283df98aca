/**
 * Bench servers: the same one-tool echo fixture on Trellis, on the official SDK 1.x, and as a bare
 * JSON-RPC echo (the physical limit), over Streamable HTTP or stdio.
 *
 *   node --expose-gc dist/bench/server.js <trellis|sdk|bare> <http|stdio> <json|sse|stateless> [port]
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
type SdkMods = [typeof import("@modelcontextprotocol/sdk/server/mcp.js"), typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js"), typeof import("@modelcontextprotocol/sdk/server/stdio.js"), typeof import("@modelcontextprotocol/sdk/types.js"), typeof import("zod")];
const trellis = (): Promise<TrellisMods> => (transport === "stdio" ? Promise.all([import("trellis-mcp/server"), {} as TrellisMods[1], import("trellis-mcp/stdio")]) : Promise.all([import("trellis-mcp/server"), import("trellis-mcp/http"), {} as TrellisMods[2]]));
const sdk = (): Promise<SdkMods> => Promise.all([import("@modelcontextprotocol/sdk/server/mcp.js"), import("@modelcontextprotocol/sdk/server/streamableHttp.js"), import("@modelcontextprotocol/sdk/server/stdio.js"), import("@modelcontextprotocol/sdk/types.js"), import("zod")]);

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

function trellisServer([{ McpServer }]: TrellisMods) {
  const s = new McpServer({ name: "bench", version: "1.0.0" });
  s.registerTool("echo", { inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }, (a) => ({ content: [{ type: "text", text: a.text as string }] }));
  return s;
}

function sdkServer([{ McpServer: SdkMcpServer }, , , , z]: SdkMods) {
  const s = new SdkMcpServer({ name: "bench", version: "1.0.0" });
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
  const result = msg.method === "tools/call" ? { content: [{ type: "text", text: msg.params?.arguments?.text }] } : msg.method === "initialize" ? { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "bare", version: "1" } } : {};
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
    }
    else {
      const rl = createInterface({ input: process.stdin });
      rl.on("line", (line) => {
        const out = bareReply(JSON.parse(line));
        if (out) process.stdout.write(out + "\n");
      });
    }
    return;
  }
  if (impl === "trellis") {
    const m = await trellis();
    const h = await m[1].serveHttp(trellisServer(m), { port, stateless: mode === "stateless", responseMode: mode === "sse" ? "sse" : "auto", eventStore: "memory" });
    return ready(h.port);
  }
  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  if (impl === "sdk") {
    const m = await sdk();
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
        t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: mode === "json", onsessioninitialized: (id) => void sessions.set(id, t!) });
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

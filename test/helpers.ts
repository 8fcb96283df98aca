/**
 * Test helpers: a bare client-role session (connectRaw), a Trellis client over the in-memory pair (connectClient),
 * a server process started and waited for (spawnServer), free ports and small waits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Session, type RequestHandler } from "../src/jsonrpc/session.js";
import { McpClient } from "../src/client/index.js";
import type { ClientOptions } from "../src/client/options.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../src/protocol/methods.js";
import { MemoryTransport } from "../src/transports/memory.js";
import type { McpServer } from "../src/server/server.js";
import type { ServerSession } from "../src/server/session.js";
import { serveHttp, type HttpServerHandle } from "../src/transports/http/index.js";
import { StreamableHttpClientTransport } from "../src/transports/http-client/transport.js";
import type { Transport } from "../src/jsonrpc/transport.js";

const httpServers = new WeakMap<McpServer, Promise<HttpServerHandle>>();
const openHttp: Promise<HttpServerHandle>[] = [];

/** closeHttpServers closes every server connectRaw started for the "http" transport. */
export async function closeHttpServers(): Promise<void> {
  for (const h of openHttp.splice(0)) await (await h).close();
}

export interface RawClient {
  rpc: Session;
  /** The server side of the connection (in-memory only; undefined over HTTP). */
  server: ServerSession;
  notifications: { method: string; params: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** connectRaw connects a bare JSON-RPC client to `server` and, unless told not to, initializes it. */
export async function connectRaw(
  server: McpServer,
  options: {
    capabilities?: Record<string, unknown>;
    handlers?: Record<string, RequestHandler>;
    protocolVersion?: string;
    initialize?: boolean;
    transport?: "memory" | "http";
  } = {},
): Promise<RawClient> {
  let b: Transport;
  let serverSession: ServerSession | undefined;
  if (options.transport === "http") {
    let h = httpServers.get(server);
    if (!h) {
      h = serveHttp(server, { eventStore: "memory", sessionStore: "memory" });
      httpServers.set(server, h);
      openHttp.push(h);
    }
    b = new StreamableHttpClientTransport((await h).url);
  } else {
    const [a, m] = MemoryTransport.createPair();
    serverSession = server.connect(a);
    b = m;
  }
  const notifications: RawClient["notifications"] = [];
  const handlers = new Map<string, RequestHandler>(Object.entries(options.handlers ?? {}));
  const rpc = new Session(b, { incoming: SERVER_REQUESTS, outgoing: CLIENT_REQUESTS, notifications: NOTIFICATIONS, handlers });
  for (const m of Object.keys(NOTIFICATIONS)) rpc.setNotificationHandler(m, (params) => void notifications.push({ method: m, params }));
  if (options.initialize !== false) {
    await rpc.request("initialize", {
      protocolVersion: options.protocolVersion ?? "2025-11-25",
      capabilities: options.capabilities ?? {},
      clientInfo: { name: "raw", version: "1" },
    });
    rpc.notify("notifications/initialized");
  }
  return { rpc, server: serverSession as ServerSession, notifications, close: () => rpc.close() };
}

/** freePort returns a loopback port that was free a moment ago, for servers that must know their URL up front. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * waitFor polls `check` until it returns a truthy value or `ms` pass. The default is generous (10 s): it returns as
 * soon as the condition holds, so a long limit costs a passing test nothing, and a busy machine does not fail it.
 */
export async function waitFor<T>(check: () => T | undefined | false | null, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error("waitFor: timed out");
    await sleep(5);
  }
}

/**
 * connectClient connects a Trellis client to `server` over the in-memory pair; `session` is the server's side. It
 * speaks 2025-11-25 (a session to look at) unless the options name another revision.
 */
export async function connectClient(
  server: McpServer,
  options: ClientOptions = {},
): Promise<{ client: McpClient; session: ServerSession }> {
  const [a, b] = MemoryTransport.createPair();
  const session = server.connect(a);
  const client = new McpClient({ name: "c", version: "1" }, { protocolVersion: "2025-11-25", ...options });
  await client.connect(b);
  return { client, session };
}

/**
 * spawnServer starts `node <args>` and resolves once its stdout or stderr prints something matching `ready` (the
 * first group, usually its URL, is returned); it rejects if the process exits first.
 */
export function spawnServer(
  args: string[],
  options: { ready?: RegExp; cwd?: string; env?: Record<string, string> } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const ready = options.ready ?? /listening (?:on )?(\S+)/;
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (c: Buffer) => {
      out += c;
      const m = ready.exec(out);
      if (m) resolve({ url: m[1]!, child });
    };
    child.stderr!.on("data", onData);
    child.stdout!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

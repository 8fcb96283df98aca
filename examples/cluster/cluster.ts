/**
 * A real deployment on one machine: Debian's redis-server, N nodes of the everything server on it (`--redis`), and
 * Debian's haproxy balancing round-robin in front, with no stickiness — each request may land on any node. All of it
 * listens on loopback. `npm run cluster -- --port 8080` serves http://127.0.0.1:8080/mcp until SIGINT / SIGTERM,
 * which stops every process it started. Tests and the bench start the same cluster through `startCluster`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = join(dirname(fileURLToPath(import.meta.url)), "../everything/server.js");

export interface ClusterNode {
  name: string;
  port: number;
  child: ChildProcess;
  /** The node's own URL, bypassing the balancer. */
  url: string;
}

export interface RunningCluster {
  /** The balancer's MCP endpoint. */
  url: string;
  redisUrl: string;
  nodes: ClusterNode[];
  redis: ChildProcess;
  haproxy: ChildProcess;
  /** Starts a node again (after a test killed it) on its port. */
  restart(node: ClusterNode): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** The balancer's port; 0 picks a free one. */
  port?: number;
  /** How many nodes. Default 3. */
  nodes?: number;
  /** Extra arguments for every node (for example --task-lease-ms 3000). */
  nodeArgs?: string[];
  /** Where the nodes' and haproxy's output goes (default: stderr, prefixed with the process's name). */
  log?: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** launch starts a process and resolves once a line of its output matches `ready`; rejects if it exits first. */
export function launch(
  name: string,
  command: string,
  args: string[],
  ready: RegExp,
  log: (line: string) => void,
  cwd?: string,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], cwd });
  return new Promise((resolve, reject) => {
    let seen = false;
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        log(`[${name}] ${line}`);
        if (!seen && ready.test(line)) {
          seen = true;
          resolve(child);
        }
      }
    };
    child.stdout!.on("data", onLine);
    child.stderr!.on("data", onLine);
    child.once("error", (e) =>
      reject(new Error(`${name}: ${command} could not start (${e.message}); install it: apt-get install ${command}`)),
    );
    child.once("exit", (code, signal) => {
      if (!seen) reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
    });
  });
}

/** haproxyConfig: round-robin over `nodes` for every request, no stickiness, retries elsewhere when a node is down. */
export function haproxyConfig(port: number, nodes: { name: string; port: number }[]): string {
  return [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    // SSE streams stay open for long: the balancer must not cut them.
    "  timeout client 1h",
    "  timeout server 1h",
    "  timeout http-keep-alive 10s",
    // A request sent to a node that just died is tried on another one.
    "  retries 3",
    "  option redispatch 1",
    "frontend mcp",
    `  bind 127.0.0.1:${port}`,
    "  default_backend nodes",
    "backend nodes",
    // Round-robin for every request, no stickiness of any kind.
    "  balance roundrobin",
    // Which node answered: for tests and for reading logs (drop it in production, it names your topology).
    "  http-response set-header x-served-by %s",
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check inter 500ms fall 2 rise 2`),
    "",
  ].join("\n");
}

export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), "trellis-cluster-"));
  const started: ChildProcess[] = [];
  try {
    const redisPort = await freePort();
    const redis = await launch(
      "redis",
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      /Ready to accept connections/,
      () => {},
    );
    started.push(redis);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const count = options.nodes ?? 3;
    const nodes: ClusterNode[] = [];
    const startNode = async (name: string, port: number) => {
      const args = [
        SERVER,
        "--port",
        String(port),
        "--redis",
        redisUrl,
        "--database",
        join(dir, `${name}.db`),
        ...(options.nodeArgs ?? []),
      ];
      return launch(name, process.execPath, args, /listening on/, log, dir);
    };
    for (let i = 1; i <= count; i++) {
      const port = await freePort();
      const name = `node${i}`;
      const child = await startNode(name, port);
      started.push(child);
      nodes.push({ name, port, child, url: `http://127.0.0.1:${port}/mcp` });
    }
    const port = options.port || (await freePort());
    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(cfg, haproxyConfig(port, nodes));
    const haproxy = spawn("haproxy", ["-f", cfg, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
    started.push(haproxy);
    haproxy.stdout!.on("data", (d: Buffer) => log(`[haproxy] ${d.toString().trim()}`));
    haproxy.stderr!.on("data", (d: Buffer) => log(`[haproxy] ${d.toString().trim()}`));
    const url = `http://127.0.0.1:${port}/mcp`;
    await waitFor(url, haproxy);
    let stopped = false;
    return {
      url,
      redisUrl,
      nodes,
      redis,
      haproxy,
      async restart(node) {
        node.child = await startNode(node.name, node.port);
        started.push(node.child);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await Promise.all(started.map(stop));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(started.map(stop));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Waits until the balancer answers (any HTTP status) on `url`. */
async function waitFor(url: string, haproxy: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited (${haproxy.exitCode}); is it installed? apt-get install haproxy`);
    try {
      await fetch(url, { method: "GET" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the balancer at ${url} did not answer`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--port");
  const port = i === -1 ? 8080 : Number(process.argv[i + 1]);
  const n = process.argv.indexOf("--nodes");
  const cluster = await startCluster({ port, nodes: n === -1 ? 3 : Number(process.argv[n + 1]) });
  process.stderr.write(
    `trellis cluster: ${cluster.nodes.length} nodes (${cluster.nodes.map((x) => x.port).join(", ")}) on ${cluster.redisUrl}, balanced round-robin at ${cluster.url}\n`,
  );
  const shutdown = () => void cluster.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();

/**
 * Scale-out bench: the echo fixture and the tasks row through haproxy (round-robin, no stickiness), with one and
 * with three Trellis nodes on Redis, beside one Trellis node on memory stores and one official SDK node behind the
 * same balancer. Reported as server CPU per request (all nodes summed), p50 / p99, and Redis commands per request.
 * This machine has 2 cores: three nodes, haproxy, Redis and the load generator share them, so the numbers say
 * what a request costs, not how far three nodes scale.
 *
 *   npm run bench:cluster        (BENCH_QUICK=1 for a short smoke run)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { haproxyConfig, launch } from "../examples/cluster/cluster.js";
import { type Impl, type Running, root, runLoad, start } from "./harness.js";

const QUICK = !!process.env.BENCH_QUICK;
const DURATION = QUICK ? 1000 : 4000;
const WARMUP = QUICK ? 300 : 1000;
const COUNT = QUICK ? 1000 : 5000;
const TASKS = QUICK ? 200 : 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One raw Redis command over RESP, to read INFO without pulling a client into the bench. */
function redisInfo(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(port, "127.0.0.1");
    let buf = "";
    sock.on("data", (d) => {
      buf += d;
      const m = /total_commands_processed:(\d+)/.exec(buf);
      if (m && buf.endsWith("\r\n")) {
        sock.end();
        resolve(Number(m[1]));
      }
    });
    sock.on("error", reject);
    sock.write("INFO stats\r\n");
  });
}

interface Row {
  name: string;
  nodes: number;
  rps?: number;
  p50?: number;
  p99?: number;
  cpuUsPerReq?: number;
  redisPerCall?: number;
  tasksPerSec?: number;
  getP50?: number;
  getP99?: number;
  cpuUsPerTask?: number;
  redisPerTask?: number;
}

async function withBalancer<T>(nodes: Running[], body: (url: string) => Promise<T>, dir: string): Promise<T> {
  const port = await freePort();
  const cfg = join(dir, `haproxy-${port}.cfg`);
  writeFileSync(
    cfg,
    haproxyConfig(
      port,
      nodes.map((n, i) => ({ name: `node${i + 1}`, port: n.port })),
    ),
  );
  const haproxy = spawn("haproxy", ["-f", cfg, "-db"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await body(url);
  } finally {
    haproxy.kill("SIGKILL");
  }
}

async function measure(name: string, impl: Impl, mode: string, count: number, redisPort: number, dir: string): Promise<Row> {
  const nodes = await Promise.all(Array.from({ length: count }, () => start(impl, "http", mode)));
  const row: Row = { name, nodes: count };
  try {
    await withBalancer(
      nodes,
      async (url) => {
        if (mode.startsWith("tasks")) {
          const before = await redisInfo(redisPort);
          const r = (await runLoad(nodes, { concurrency: 16, tasks: TASKS }, url)) as unknown as Row & {
            cpuUsPerReq: number;
            errors: number;
          };
          if (r.errors) throw new Error(`${name}: ${r.errors} task errors`);
          row.tasksPerSec = r.tasksPerSec;
          row.getP50 = r.getP50;
          row.getP99 = r.getP99;
          row.cpuUsPerTask = r.cpuUsPerReq;
          if (mode.endsWith("redis")) row.redisPerTask = ((await redisInfo(redisPort)) - before) / TASKS;
          return;
        }
        const r = await runLoad(nodes, { concurrency: 16, durationMs: DURATION, warmupMs: WARMUP }, url);
        if (r.errors) throw new Error(`${name}: ${r.errors} errors`);
        Object.assign(row, { rps: r.rps, p50: r.p50, p99: r.p99, cpuUsPerReq: r.cpuUsPerReq });
        if (mode.endsWith("redis")) {
          // Sessions opened, then a fixed count of calls: what Redis sees per tools/call (heartbeats included).
          const before = await redisInfo(redisPort);
          await runLoad(nodes, { concurrency: 16, count: COUNT }, url);
          row.redisPerCall = ((await redisInfo(redisPort)) - before) / COUNT;
        }
      },
      dir,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
  process.stderr.write(`${JSON.stringify(row)}\n`);
  return row;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "trellis-bench-cluster-"));
  const redisPort = await freePort();
  let redis: ChildProcess | undefined;
  try {
    redis = await launch(
      "redis",
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      /Ready to accept connections/,
      () => {},
    );
    process.env.BENCH_REDIS = `redis://127.0.0.1:${redisPort}`;
    const rows: Row[] = [];
    rows.push(await measure("sdk, memory", "sdk", "json", 1, redisPort, dir));
    rows.push(await measure("trellis, memory", "trellis", "json", 1, redisPort, dir));
    rows.push(await measure("trellis, Redis", "trellis", "redis", 1, redisPort, dir));
    rows.push(await measure("trellis, Redis", "trellis", "redis", 3, redisPort, dir));
    const tasks: Row[] = [];
    tasks.push(await measure("sdk, memory", "sdk", "tasks", 1, redisPort, dir));
    tasks.push(await measure("trellis, memory", "trellis", "tasks-memory", 1, redisPort, dir));
    tasks.push(await measure("trellis, Redis", "trellis", "tasks-redis", 1, redisPort, dir));
    tasks.push(await measure("trellis, Redis", "trellis", "tasks-redis", 3, redisPort, dir));
    const md = markdown(rows, tasks);
    writeFileSync(
      join(root, "bench/cluster-results.json"),
      `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows, tasks }, null, 2)}\n`,
    );
    writeFileSync(join(root, "bench/cluster-results.md"), md);
    process.stdout.write(md);
  } finally {
    redis?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(rows: Row[], tasks: Row[]): string {
  const f = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(d));
  const sdk = rows[0]!;
  const sdkTasks = tasks[0]!;
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}x` : "–");
  return [
    "# Scale-out bench (through haproxy, round-robin, no stickiness)",
    "",
    `Node ${process.version}, ${new Date().toISOString()}. Every node, haproxy, redis-server and the load generator share this machine's 2 cores: cpu/req is all nodes' CPU summed per request — what a request costs — and req/s is not a scaling claim. "Redis/call" counts the commands Redis processed per request (heartbeats included).`,
    "",
    "## tools/call (echo fixture, 16 in flight, JSON replies)",
    "",
    "| server | nodes | req/s | p50 / p99 ms | cpu/req µs | cpu vs SDK | Redis/call |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.nodes} | ${f(r.rps)} | ${f(r.p50, 2)} / ${f(r.p99, 2)} | ${f(r.cpuUsPerReq, 1)} | ${ratio(r.cpuUsPerReq, sdk.cpuUsPerReq)} | ${f(r.redisPerCall, 2)} |`,
    ),
    "",
    `## Tasks (${TASKS} tasks, 16 at a time, each polled with tasks/get to completion, then tasks/result)`,
    "",
    "| server | nodes | tasks/s | tasks/get p50 / p99 ms | cpu/task µs | cpu vs SDK | Redis/task |",
    "|---|---|---|---|---|---|---|",
    ...tasks.map(
      (r) =>
        `| ${r.name} | ${r.nodes} | ${f(r.tasksPerSec)} | ${f(r.getP50, 2)} / ${f(r.getP99, 2)} | ${f(r.cpuUsPerTask, 1)} | ${ratio(r.cpuUsPerTask, sdkTasks.cpuUsPerTask)} | ${f(r.redisPerTask, 1)} |`,
    ),
    "",
  ].join("\n");
}

void main();

/**
 * The benchmark runner: Trellis, the official SDK 1.x and a bare echo, side by side in one run, each server in
 * its own process and the HTTP load generator in another. Writes bench/results.json and bench/results.md.
 *
 *   npm run bench            (BENCH_QUICK=1 for a short smoke run)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Impl, type LoadResult, loadJs, root, runLoad, start } from "./harness.js";

const serverJs = join(dirname(fileURLToPath(import.meta.url)), "server.js");
const QUICK = !!process.env.BENCH_QUICK;
const DURATION = QUICK ? 1000 : 3000;
const WARMUP = QUICK ? 300 : 700;
const CALLS = QUICK ? 4000 : 20_000;
const SESSIONS = QUICK ? 200 : 1000;
const CONCURRENCY = [1, 16, 64];

const results: Record<string, unknown> = {
  node: process.version,
  date: new Date().toISOString(),
  quick: QUICK,
  http: {},
  memory: {},
  stdio: {},
  coldStart: {},
  tasks: {},
};
const TASKS = QUICK ? 1000 : 10_000;
const http = results.http as Record<string, Record<string, unknown>>;
const memory = results.memory as Record<string, Record<string, unknown>>;

async function httpBench(impl: Impl, mode: string) {
  const key = `${impl}/${mode}`;
  const server = await start(impl, "http", mode);
  http[key] = {};
  try {
    for (const c of CONCURRENCY) {
      const r = await runLoad(server, {
        concurrency: c,
        durationMs: DURATION,
        warmupMs: WARMUP,
        stateless: mode === "stateless",
        modern: mode === "modern",
      });
      http[key]![`c${c}`] = r;
      process.stderr.write(
        `${key} c=${c}: ${r.rps.toFixed(0)} req/s p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms cpu ${r.cpuUsPerReq?.toFixed(1)} us/req errors ${r.errors}\n`,
      );
    }
    // Heap after warm-up, then after CALLS more calls: growth means a leak.
    const per = { stateless: mode === "stateless", modern: mode === "modern" };
    await runLoad(server, { concurrency: 16, count: 2000, ...per });
    const m0 = await server.probe("mem");
    await runLoad(server, { concurrency: 16, count: CALLS, ...per });
    const m1 = await server.probe("mem");
    const mem: Record<string, number> = {
      heapAfterWarmup: m0.heapUsed!,
      heapAfterCalls: m1.heapUsed!,
      heapGrowth: m1.heapUsed! - m0.heapUsed!,
      rss: m1.rss!,
    };
    if (mode !== "stateless" && mode !== "modern") {
      await runLoad(server, { concurrency: 1, sessions: SESSIONS });
      const m2 = await server.probe("mem");
      mem.idleSessionBytes = (m2.heapUsed! - m1.heapUsed!) / SESSIONS;
    }
    memory[key] = mem;
    process.stderr.write(`${key} memory: ${JSON.stringify(mem)}\n`);
  } finally {
    await server.stop();
  }
}

/** stdio: sequential round trips, pipelined throughput, heap growth. */
async function stdioBench(impl: Impl) {
  const server = await start(impl, "stdio", "-");
  const pending = new Map<number, () => void>();
  createInterface({ input: server.child.stdout! }).on("line", (line) => {
    const id = /"id":(\d+)/.exec(line)?.[1];
    if (id !== undefined) pending.get(Number(id))?.();
  });
  let nextId = 0;
  const call = (method: string, params: unknown): Promise<void> => {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, () => {
        pending.delete(id);
        resolve();
      });
      server.child.stdin!.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  };
  const echo = () => call("tools/call", { name: "echo", arguments: { text: "hello" } });
  await call("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
  server.child.stdin!.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  for (let i = 0; i < 1000; i++) await echo();
  const seqN = QUICK ? 2000 : 5000;
  let t = performance.now();
  for (let i = 0; i < seqN; i++) await echo();
  const sequential = (seqN / (performance.now() - t)) * 1000;
  const m0 = await server.probe("mem");
  t = performance.now();
  await Promise.all(Array.from({ length: CALLS }, echo));
  const pipelined = (CALLS / (performance.now() - t)) * 1000;
  const m1 = await server.probe("mem");
  (results.stdio as Record<string, unknown>)[impl] = {
    sequentialRps: sequential,
    pipelinedRps: pipelined,
    heapGrowth: m1.heapUsed! - m0.heapUsed!,
    heapAfterCalls: m1.heapUsed!,
    rss: m1.rss!,
  };
  process.stderr.write(
    `stdio ${impl}: sequential ${sequential.toFixed(0)}/s pipelined ${pipelined.toFixed(0)}/s heap growth ${m1.heapUsed! - m0.heapUsed!}\n`,
  );
  await server.stop();
}

/** Tasks: create TASKS tasks over Streamable HTTP and poll each to completion; tasks/get latency and store size. */
async function tasksBench(impl: Impl, mode: string) {
  const db = join(root, "bench/.tmp/tasks.db");
  rmSync(join(root, "bench/.tmp"), { recursive: true, force: true });
  mkdirSync(join(root, "bench/.tmp"), { recursive: true });
  process.env.BENCH_TASK_DB = db;
  const server = await start(impl, "http", mode);
  try {
    const r = await new Promise<Record<string, number>>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [loadJs, JSON.stringify({ url: `http://127.0.0.1:${server.port}/mcp`, concurrency: 16, tasks: TASKS })],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout!.on("data", (c) => (out += c));
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`task load exited ${code}`))));
    });
    const mem = await server.probe("mem");
    const size =
      mode === "tasks-sqlite"
        ? ["", "-wal", "-shm"].reduce((n, ext) => n + (existsSync(db + ext) ? statSync(db + ext).size : 0), 0)
        : undefined;
    const row = { ...r, heapUsed: mem.heapUsed!, ...(size !== undefined ? { storeBytes: size } : {}) };
    (results.tasks as Record<string, unknown>)[`${impl}/${mode}`] = row;
    process.stderr.write(`tasks ${impl}/${mode}: ${JSON.stringify(row)}\n`);
  } finally {
    await server.stop();
  }
}

/** coldStartOnce measures spawn to initialize response for one run of `impl`. */
async function coldStartOnce(impl: Impl): Promise<number> {
  const t = performance.now();
  const child = spawn(process.execPath, [serverJs, impl, "stdio", "-"], { stdio: ["pipe", "pipe", "ignore"], cwd: root });
  child.stdin!.write(
    `${JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "b", version: "1" } },
    })}\n`,
  );
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  const ms = performance.now() - t;
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  return ms;
}

/**
 * Cold start: spawn to initialize response, median of many runs. Runs first, while the runner is small,
 * and interleaves the implementations so that machine noise falls on all of them alike.
 */
async function coldStart() {
  const runs: Record<Impl, number[]> = { bare: [], trellis: [], sdk: [] };
  for (let i = 0; i < (QUICK ? 5 : 21); i++)
    for (const impl of ["bare", "trellis", "sdk"] as const) runs[impl].push(await coldStartOnce(impl));
  for (const impl of ["bare", "trellis", "sdk"] as const) {
    const sorted = runs[impl].sort((a, b) => a - b);
    (results.coldStart as Record<string, number>)[impl] = sorted[Math.floor(sorted.length / 2)]!;
    process.stderr.write(`cold start ${impl}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms\n`);
  }
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !b ? "–" : `${(a / b).toFixed(2)}x`;
}
const f = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(d));

function markdown(): string {
  const lines: string[] = [];
  lines.push(
    `# Trellis benchmarks`,
    "",
    `Node ${results.node}, ${results.date}${QUICK ? " (quick run)" : ""}. One-tool echo fixture; every server in its own process, the HTTP load generator in another. "cpu/req" is server CPU time (user+system) per tools/call over the measured window; it is the number to compare, since the load generator saturates before a bare server does.`,
    "",
  );
  lines.push(
    "## Streamable HTTP tools/call",
    "",
    '"modern" is 2026-07-28: no session, the envelope in every request; there the official SDK is v2 (`@modelcontextprotocol/server`, `createMcpHandler`), elsewhere 1.x.',
    "",
    "| mode | in flight | bare req/s | Trellis req/s | SDK req/s | Trellis p50 / p99 ms | SDK p50 / p99 ms | bare cpu/req µs | Trellis cpu/req µs | SDK cpu/req µs | Trellis cpu vs bare | SDK cpu vs bare |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const mode of ["json", "sse", "stateless", "modern"]) {
    for (const c of CONCURRENCY) {
      const b = http["bare/echo"]?.[`c${c}`] as (LoadResult & { cpuUsPerReq: number }) | undefined;
      const t = http[`trellis/${mode}`]?.[`c${c}`] as (LoadResult & { cpuUsPerReq: number }) | undefined;
      const s = http[`sdk/${mode}`]?.[`c${c}`] as (LoadResult & { cpuUsPerReq: number }) | undefined;
      lines.push(
        `| ${mode} | ${c} | ${f(b?.rps)} | ${f(t?.rps)} | ${f(s?.rps)} | ${f(t?.p50, 2)} / ${f(t?.p99, 2)} | ${f(s?.p50, 2)} / ${f(s?.p99, 2)} | ${f(b?.cpuUsPerReq, 1)} | ${f(t?.cpuUsPerReq, 1)} | ${f(s?.cpuUsPerReq, 1)} | ${ratio(t?.cpuUsPerReq, b?.cpuUsPerReq)} | ${ratio(s?.cpuUsPerReq, b?.cpuUsPerReq)} |`,
      );
    }
  }
  lines.push(
    "",
    `## Memory (heap after gc)`,
    "",
    `| server | heap after warm-up | heap after ${CALLS} more calls | growth | RSS | idle session |`,
    "|---|---|---|---|---|---|",
  );
  for (const [k, m] of Object.entries(memory) as [string, Record<string, number>][]) {
    lines.push(
      `| ${k} | ${f(m.heapAfterWarmup / 1024)} KiB | ${f(m.heapAfterCalls / 1024)} KiB | ${f(m.heapGrowth / 1024, 1)} KiB | ${f(m.rss / 1048576, 1)} MiB | ${m.idleSessionBytes === undefined ? "–" : `${f(m.idleSessionBytes / 1024, 1)} KiB`} |`,
    );
  }
  const st = results.stdio as Record<string, Record<string, number>>;
  lines.push(
    "",
    "## stdio",
    "",
    "| server | sequential round trips/s | pipelined calls/s | pipelined vs bare | heap growth over calls |",
    "|---|---|---|---|---|",
  );
  for (const impl of ["bare", "trellis", "sdk"]) {
    const r = st[impl];
    if (r)
      lines.push(
        `| ${impl} | ${f(r.sequentialRps)} | ${f(r.pipelinedRps)} | ${ratio(r.pipelinedRps, st.bare?.pipelinedRps)} | ${f(r.heapGrowth / 1024, 1)} KiB |`,
      );
  }
  const tk = results.tasks as Record<string, Record<string, number>>;
  lines.push(
    "",
    `## Tasks (${TASKS} tasks over Streamable HTTP, 16 at a time, each polled with tasks/get to completion, then tasks/result)`,
    "",
    "| server | tasks/s | tasks/get p50 / p99 ms | store on disk | heap after |",
    "|---|---|---|---|---|",
  );
  for (const [k, r] of Object.entries(tk))
    lines.push(
      `| ${k} | ${f(r.tasksPerSec)} | ${f(r.getP50, 2)} / ${f(r.getP99, 2)} | ${r.storeBytes === undefined ? "–" : `${f(r.storeBytes / 1048576, 2)} MiB`} | ${f(r.heapUsed / 1048576, 1)} MiB |`,
    );
  const cs = results.coldStart as Record<string, number>;
  lines.push("", "## Cold start (spawn to initialize response, median)", "", "| server | ms | vs bare node |", "|---|---|---|");
  for (const impl of ["bare", "trellis", "sdk"]) lines.push(`| ${impl} | ${f(cs[impl], 1)} | ${ratio(cs[impl], cs.bare)} |`);
  return `${lines.join("\n")}\n`;
}

async function main() {
  if (process.env.BENCH_ONLY === "tasks") {
    await tasksBench("trellis", "tasks-sqlite");
    await tasksBench("trellis", "tasks-memory");
    await tasksBench("sdk", "tasks");
    process.stdout.write(`${JSON.stringify(results.tasks, null, 2)}\n`);
    return;
  }
  await coldStart();
  await httpBench("bare", "echo");
  for (const mode of ["json", "sse", "stateless", "modern"]) {
    await httpBench("trellis", mode);
    await httpBench("sdk", mode);
  }
  for (const impl of ["bare", "trellis", "sdk"] as const) await stdioBench(impl);
  await tasksBench("trellis", "tasks-sqlite");
  await tasksBench("trellis", "tasks-memory");
  await tasksBench("sdk", "tasks");
  writeFileSync(join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown();
  writeFileSync(join(root, "bench/results.md"), md);
  process.stdout.write(md);
}

void main();

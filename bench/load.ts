/**
 * The HTTP load generator, run in its own process so that it does not share a CPU budget with the server.
 *
 *   node dist/bench/load.js '<json options>'
 *
 * Options: url, concurrency, durationMs | count, warmupMs, sessions (open N sessions and stop: idle memory).
 * Each in-flight slot has its own session (stateful) and keep-alive connection. Prints one JSON line.
 */
import { Agent, request } from "node:http";

interface Options {
  url: string;
  concurrency: number;
  durationMs?: number;
  count?: number;
  warmupMs?: number;
  sessions?: number;
  stateless?: boolean;
  /** Create this many tasks and poll each to completion (tasks/get), then fetch its result. */
  tasks?: number;
  /** 2026-07-28 requests: no session, the envelope in each request's _meta. */
  modern?: boolean;
}

const opts = JSON.parse(process.argv[2]!) as Options;
const url = new URL(opts.url);
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(opts.concurrency, 1) });

function post(
  body: string,
  session?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": opts.modern ? "2026-07-28" : "2025-11-25",
      "content-length": String(Buffer.byteLength(body)),
      // 2026-07-28: the standard headers; this load only calls the echo tool.
      ...(opts.modern ? { "mcp-method": "tools/call", "mcp-name": "echo" } : {}),
    };
    if (session) headers["mcp-session-id"] = session;
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "load", version: "1" } },
});
const ENVELOPE = JSON.stringify({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "load", version: "1" },
});
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });

async function openSession(): Promise<string | undefined> {
  const r = await post(INIT);
  if (r.status !== 200) throw new Error(`initialize failed: ${r.status} ${r.text}`);
  const sid = r.headers["mcp-session-id"] as string | undefined;
  if (sid) await post(INITIALIZED, sid);
  return sid;
}

function ok(text: string, id: number): boolean {
  // JSON or SSE: find the response for this id.
  return text.includes(`"id":${id}`) && text.includes('"result"');
}

/** parse reads a JSON or SSE reply body. */
function parse(text: string): any {
  if (text.startsWith("{")) return JSON.parse(text);
  const line = text
    .split("\n")
    .filter((l) => l.startsWith("data: {"))
    .at(-1);
  return line ? JSON.parse(line.slice(6)) : undefined;
}

async function tasksRun(n: number): Promise<void> {
  const sessions = await Promise.all(Array.from({ length: opts.concurrency }, () => openSession()));
  const getLatency: number[] = [];
  let created = 0;
  let errors = 0;
  let id = 1_000_000;
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (sid) => {
      while (created < n) {
        created++;
        const c = parse(
          (
            await post(
              `{"jsonrpc":"2.0","id":${id++},"method":"tools/call","params":{"name":"instant","arguments":{},"task":{"ttl":3600000}}}`,
              sid,
            )
          ).text,
        );
        const taskId = c?.result?.task?.taskId;
        if (!taskId) {
          errors++;
          continue;
        }
        for (;;) {
          const a = performance.now();
          const g = parse((await post(`{"jsonrpc":"2.0","id":${id++},"method":"tasks/get","params":{"taskId":"${taskId}"}}`, sid)).text);
          getLatency.push(performance.now() - a);
          const status = g?.result?.status;
          if (status === "completed") break;
          if (!status || status === "failed" || status === "cancelled") {
            errors++;
            break;
          }
          await new Promise((r) => setTimeout(r, g.result.pollInterval ?? 5));
        }
        const r = parse((await post(`{"jsonrpc":"2.0","id":${id++},"method":"tasks/result","params":{"taskId":"${taskId}"}}`, sid)).text);
        if (!r?.result?.content) errors++;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  getLatency.sort((x, y) => x - y);
  const q = (p: number) => getLatency[Math.min(getLatency.length - 1, Math.floor(p * getLatency.length))] ?? NaN;
  process.stdout.write(
    `${JSON.stringify({
      tasks: n,
      errors,
      elapsedMs: elapsed,
      tasksPerSec: (n / elapsed) * 1000,
      gets: getLatency.length,
      getP50: q(0.5),
      getP99: q(0.99),
    })}\n`,
  );
  agent.destroy();
}

async function main() {
  if (opts.tasks) return tasksRun(opts.tasks);
  if (opts.sessions) {
    for (let i = 0; i < opts.sessions; i++) await openSession();
    process.stdout.write(`${JSON.stringify({ opened: opts.sessions })}\n`);
    return;
  }
  const latencies: number[] = [];
  let errors = 0;
  let nextId = 1;
  const sessions = await Promise.all(
    Array.from({ length: opts.concurrency }, () => (opts.stateless || opts.modern ? Promise.resolve(undefined) : openSession())),
  );
  let measuring = !opts.warmupMs;
  let stop = false;
  let started = 0;
  let done = 0;
  const t0 = performance.now();
  let tMeasure = measuring ? t0 : 0;
  if (opts.warmupMs) {
    setTimeout(() => {
      measuring = true;
      tMeasure = performance.now();
      process.stderr.write("measuring\n");
    }, opts.warmupMs);
  }
  if (opts.durationMs) setTimeout(() => (stop = true), (opts.warmupMs ?? 0) + opts.durationMs);
  await Promise.all(
    sessions.map(async (sid) => {
      while (!stop) {
        if (opts.count !== undefined && started >= opts.count) break;
        started++;
        const id = nextId++;
        const body = opts.modern
          ? `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello ${id}"},"_meta":${ENVELOPE}}}`
          : `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello ${id}"}}}`;
        const a = performance.now();
        const r = await post(body, sid).catch(() => undefined);
        const b = performance.now();
        if (r?.status !== 200 || !ok(r.text, id)) errors++;
        else if (measuring) latencies.push(b - a);
        done++;
      }
    }),
  );
  const elapsed = performance.now() - (tMeasure || t0);
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      total: done,
      errors,
      elapsedMs: elapsed,
      rps: (latencies.length / elapsed) * 1000,
      p50: q(0.5),
      p99: q(0.99),
    })}\n`,
  );
  agent.destroy();
}

main().catch((e) => {
  process.stderr.write(`${String(e?.stack ?? e)}\n`);
  process.exit(1);
});

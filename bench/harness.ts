/**
 * What the bench runners share: starting a bench server in its own process with CPU and memory probes, and running
 * the load generator (another process) against it while sampling the server's CPU over the measured window.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "../..");
const serverJs = join(here, "server.js");
export const loadJs = join(here, "load.js");

export type Impl = "trellis" | "sdk" | "bare";

export interface Running {
  child: ChildProcess;
  port: number;
  probe(kind: "cpu" | "mem"): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export function start(impl: Impl, transport: "http" | "stdio", mode: string): Promise<Running> {
  const child = spawn(process.execPath, ["--expose-gc", serverJs, impl, transport, mode, "0"], {
    stdio: ["pipe", "pipe", "pipe"],
    cwd: root,
  });
  const waiters: { kind: string; resolve: (v: Record<string, number>) => void }[] = [];
  let readyResolve!: (port: number) => void;
  const ready = new Promise<number>((r) => (readyResolve = r));
  createInterface({ input: child.stderr! }).on("line", (line) => {
    const [kind, rest] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
    if (kind === "ready") return readyResolve(Number(rest));
    const w = waiters.findIndex((x) => x.kind === kind);
    if (w !== -1) waiters.splice(w, 1)[0]!.resolve(JSON.parse(rest));
  });
  if (transport === "stdio") readyResolve(0);
  return ready.then((port) => ({
    child,
    port,
    probe: (kind) =>
      new Promise((resolve) => {
        waiters.push({ kind, resolve });
        child.kill(kind === "cpu" ? "SIGUSR1" : "SIGUSR2");
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  }));
}

export interface LoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  rps: number;
  p50: number;
  p99: number;
}

/**
 * runLoad runs the load generator against `url` (default: the one server's own) and samples the servers' CPU over
 * exactly its measured window: with several servers (a cluster), their CPU is summed.
 */
export function runLoad(
  servers: Running | Running[],
  options: Record<string, unknown>,
  url?: string,
): Promise<LoadResult & { cpuUsPerReq?: number }> {
  const all = Array.isArray(servers) ? servers : [servers];
  const target = url ?? `http://127.0.0.1:${all[0]!.port}/mcp`;
  const cpu = async () => {
    const probes = await Promise.all(all.map((s) => s.probe("cpu")));
    return probes.reduce((sum, p) => sum + p.user! + p.system!, 0);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadJs, JSON.stringify({ url: target, ...options })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let cpu0: Promise<number> | undefined = options.warmupMs ? undefined : cpu();
    child.stdout!.on("data", (c) => (out += c));
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (line === "measuring") cpu0 = cpu();
      else process.stderr.write(`load: ${line}\n`);
    });
    child.on("exit", async (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      const r = JSON.parse(out) as LoadResult;
      if (!cpu0) return resolve(r);
      const us = (await cpu()) - (await cpu0);
      // A tasks run counts tasks, not requests.
      const n = r.requests ?? (r as { tasks?: number }).tasks ?? 1;
      resolve({ ...r, cpuUsPerReq: us / Math.max(1, n) });
    });
  });
}

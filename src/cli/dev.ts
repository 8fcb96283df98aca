/**
 * `trellis dev <server file>`: runs a server file inside the dashboard, and starts it again whenever one of its
 * files changes (src/cli/watch.ts says which), so the page always shows the server as it is now. It serves both
 * kinds of server file: one that speaks stdio is driven over its stdin/stdout; one that serves Streamable HTTP
 * (serveHttp) is started, waited for until it listens, and driven over HTTP. `--stdio` and `--http [url]` say which;
 * by default a server that answers nothing on stdio but listens on a port is taken for an HTTP server. A `.ts` file
 * runs with Node's type stripping (Node 22.6 or newer).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { dirname, extname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { serveDashboard } from "../dashboard/node.js";
import type { Dashboard } from "../dashboard/dashboard.js";
import { visible } from "../internal/terminal.js";
import { StderrTail, stderrLines } from "../transports/stdio-client.js";
import type { CliIo } from "./client-commands.js";
import { childrenOf, likelyUrl, listeningPorts, type ListeningPort } from "./listening.js";
import { CliError } from "./target.js";
import { restartsOn, watchFolder } from "./watch.js";

/** The command that runs a server file with this Node. */
export function serverCommand(file: string, args: string[] = [], nodeVersion = process.versions.node): string[] {
  const ts = [".ts", ".mts", ".cts"].includes(extname(file));
  if (ts) {
    const [major = 0, minor = 0] = nodeVersion.split(".").map(Number);
    if (major < 22 || (major === 22 && minor < 6))
      throw new CliError(
        `${file} is TypeScript: running it needs Node 22.6 or newer (this is ${nodeVersion}); compile it first, or run trellis dev on the .js`,
      );
    return [process.execPath, "--experimental-strip-types", "--no-warnings", file, ...args];
  }
  return [process.execPath, file, ...args];
}

/** How the server file is driven: over stdio, over HTTP (at a URL, or where it listens), or stdio until it shows it listens. */
export type DevMode = "auto" | "stdio" | { http?: string };

/** How long a server may stay silent before dev says what it expected. */
const SILENT_NOTE_MS = 5000;
/** How long a server that listens on a port may stay silent on stdio before it is driven over HTTP. */
const HTTP_VERDICT_MS = 1500;
/** How long an HTTP server file may take to listen. */
const HTTP_START_MS = 20_000;

const EXPECTED =
  "dev runs a server file that serves MCP over stdio (server.connect(new StdioServerTransport())) or over Streamable HTTP (serveHttp; found by the port it listens on, or named with --http <url>)";

/**
 * DevRunner starts the server file and connects the dashboard to it, in the mode it was given or found; `start`
 * stops what ran before. It says on stderr (through `say`) what happened, and what it expected when nothing answers.
 */
export class DevRunner {
  #mode: DevMode;
  #conn?: string;
  #child?: ChildProcess;
  /** Counts starts and stops, so that a start ended by a later one is not reported as failed. */
  #generation = 0;

  constructor(
    readonly dashboard: Dashboard,
    readonly command: string[],
    readonly name: string,
    mode: DevMode,
    readonly say: (text: string) => void,
  ) {
    this.#mode = mode;
  }

  get mode(): DevMode {
    return this.#mode;
  }

  async start(): Promise<void> {
    await this.stop();
    const generation = this.#generation;
    try {
      if (typeof this.#mode === "object") await this.#startHttp(this.#mode.http);
      else await this.#startStdio(this.#mode === "auto");
    } catch (err) {
      // A start that a later one (or the end of dev) stopped did not fail: nothing to say.
      if (generation === this.#generation) this.say(`${this.name} did not start: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.#generation++;
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) await this.dashboard.disconnect(conn).catch(() => {});
    const child = this.#child;
    this.#child = undefined;
    if (child) await stopProcess(child);
  }

  async #startStdio(detect: boolean): Promise<void> {
    const before = new Set(childPids());
    const connecting = this.dashboard.connect({ command: this.command });
    const found = await Promise.race([connecting.then((c) => ({ conn: String(c.id) })), this.#watchSilence(before, detect, connecting)]);
    if ("conn" in found) {
      this.#conn = found.conn;
      this.say(`${this.name} is running (stdio)`);
      return;
    }
    // It listens instead of answering: end the stdio attempt and drive it over HTTP from now on.
    process.kill(found.pid, "SIGTERM");
    await connecting.catch(() => {});
    this.say(
      `${this.name} answers nothing on stdio and listens on port ${found.port.port}: driving it over HTTP from now on (--http <url> to name its endpoint)`,
    );
    this.#mode = { http: undefined };
    await this.#startHttp(undefined);
  }

  /**
   * Resolves with the new server process and its port when it listens but stays silent on stdio (with `detect`), and
   * says once what dev expected when it stays silent for a few seconds. Never resolves otherwise.
   */
  #watchSilence(before: Set<number>, detect: boolean, connecting: Promise<unknown>): Promise<{ pid: number; port: ListeningPort }> {
    return new Promise((resolve) => {
      const started = Date.now();
      let seen: number | undefined;
      let noted = false;
      const timer = setInterval(() => {
        const pid = childPids().find((p) => !before.has(p));
        const ports = detect && pid !== undefined ? listeningPorts(pid) : undefined;
        if (pid !== undefined && ports?.length) {
          seen ??= Date.now();
          if (Date.now() - seen >= HTTP_VERDICT_MS) {
            clearInterval(timer);
            resolve({ pid, port: ports[0]! });
          }
        } else if (!noted && Date.now() - started >= SILENT_NOTE_MS) {
          noted = true;
          this.say(`${this.name} has not answered on stdio in ${SILENT_NOTE_MS / 1000} s and listens on no port. ${EXPECTED}.`);
        }
      }, 250);
      timer.unref();
      void connecting.finally(() => clearInterval(timer)).catch(() => {});
    });
  }

  async #startHttp(url: string | undefined): Promise<void> {
    const [cmd, ...args] = this.command;
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    this.#child = child;
    const tail = new StderrTail();
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding("utf8");
      stream.on(
        "data",
        stderrLines((line) => {
          tail.push(line);
          this.say(`[server] ${line}`);
        }, 4096),
      );
    }
    const exited = new Promise<string>((resolve) =>
      child.once("exit", (code, signal) => resolve(`it exited (${signal ?? `code ${code}`}) before it listened`)),
    );
    const target = await Promise.race([waitListening(child, url), exited.then((why) => new Error(why))]);
    if (target instanceof Error) {
      this.#child = undefined;
      const lines = tail.lines;
      throw new Error(`${target.message}${lines.length ? `; its last lines:\n${lines.map((l) => `  ${l}`).join("\n")}` : ""}`);
    }
    try {
      this.#conn = String((await this.dashboard.connect({ url: target })).id);
    } catch (err) {
      throw new Error(
        `it listens, but ${target} does not answer as an MCP endpoint (${(err as Error).message}); name the endpoint with --http <url>`,
      );
    }
    this.say(`${this.name} is running (HTTP, ${target})`);
  }
}

/** The direct children of this process: the one a start adds is the server (the dashboard spawns it for stdio). */
function childPids(): number[] {
  return childrenOf(process.pid);
}

/** Waits until `url` accepts connections, or (no URL) until the process listens on a port; resolves with the URL. */
async function waitListening(child: ChildProcess, url: string | undefined): Promise<string | Error> {
  const end = Date.now() + HTTP_START_MS;
  for (; Date.now() < end && child.exitCode === null; await new Promise((r) => setTimeout(r, 100))) {
    if (url) {
      const u = new URL(url);
      if (await accepts(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port || (u.protocol === "https:" ? 443 : 80)))) return url;
    } else {
      const ports = listeningPorts(child.pid);
      if (ports === undefined)
        return new Error("this system cannot tell which port a process listens on: name the server's URL with --http <url>");
      if (ports.length) return likelyUrl(ports[0]!);
    }
  }
  return new Error(`it did not listen within ${HTTP_START_MS / 1000} s${url ? ` at ${url}` : ""}. ${EXPECTED}`);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Stops a server process: SIGTERM, then SIGKILL if it is still there after two seconds. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await gone;
  clearTimeout(timer);
}

export function addDevCommand(program: Command, io: CliIo): void {
  program
    .command("dev")
    .description("run a server file (stdio or HTTP) in the dashboard, and restart it when its files change")
    .argument("<file>", "the server file: it serves MCP over stdio, or over Streamable HTTP, when run")
    .argument("[args...]", "arguments for the server")
    .option("--port <port>", "the dashboard's port (default: any free one)", (v) => Number(v), 0)
    .option("--stdio", "the server speaks stdio (default: found out)")
    .option("--http [url]", "the server serves Streamable HTTP, at this URL (default: found from the port it listens on, path /mcp)")
    .option("--watch <patterns...>", "restart only on changes to these (.gitignore-style patterns, relative to the file's folder)")
    .option("--ignore <patterns...>", "also leave these out (.gitignore-style patterns), beside .gitignore and the defaults")
    .addHelpText(
      "after",
      "\nWhat restarts the server: any change in the server file's folder but what .gitignore (the folder's and its parents')\nleaves out, node_modules/, dist/, build/, out/, coverage/, dot files and folders, *.log, *.db*, *.sqlite*.\n\nExamples:\n  trellis dev ./server.js\n  trellis dev ./http-server.js --http http://127.0.0.1:3000/mcp\n  trellis dev ./server.ts --watch 'src/**' --ignore 'fixtures/'",
    )
    .action(
      async (
        file: string,
        args: string[],
        o: { port: number; stdio?: boolean; http?: string | true; watch?: string[]; ignore?: string[] },
      ) => {
        const path = resolve(file);
        if (!existsSync(path)) throw new CliError(`no such file: ${file}`);
        if (o.stdio && o.http) throw new CliError("--stdio and --http say different things: give one");
        if (typeof o.http === "string") {
          try {
            const u = new URL(o.http);
            if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
          } catch {
            throw new CliError(`--http takes the server's http(s) URL, as in --http http://127.0.0.1:3000/mcp (got ${o.http})`);
          }
        }
        const command = serverCommand(path, args);
        const handle = await serveDashboard({ port: o.port });
        io.out(`${handle.url}\n`);
        // Lines quote a server's output and errors: each is made visible before it reaches the terminal.
        const say = (text: string) => io.err(`trellis dev: ${text.split("\n").map(visible).join("\n")}\n`);
        const mode: DevMode = o.http ? { http: typeof o.http === "string" ? o.http : undefined } : o.stdio ? "stdio" : "auto";
        const runner = new DevRunner(handle.dashboard, command, file, mode, say);
        const folder = dirname(path);
        let restarting: Promise<void> = Promise.resolve();
        const watch = watchFolder(
          folder,
          restartsOn(folder, { watch: o.watch, ignore: o.ignore }),
          (changed) => {
            say(`${visible(changed)} changed; restarting`);
            restarting = restarting.then(() => {
              watch.started();
              return runner.start();
            });
          },
          say,
          relative(folder, path),
        );
        watch.started();
        // The first start is the head of the chain restarts wait on: a change during it restarts after it, never over it.
        restarting = runner.start();
        await restarting;
        await new Promise<void>((r) => {
          process.once("SIGINT", () => r());
          process.once("SIGTERM", () => r());
        });
        watch.close();
        await restarting;
        await runner.stop();
        await handle.close();
      },
    );
}

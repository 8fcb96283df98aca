/**
 * StdioClientTransport (Node only): spawns an MCP server and speaks newline-delimited JSON with it. The
 * server's stderr goes to a callback, never into the protocol. Shutdown follows the spec (lifecycle.mdx,
 * "Shutdown"): close the server's stdin, wait, SIGTERM, wait, SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { misuse, TrellisError } from "../protocol/errors.js";
import type { JsonRpcMessage } from "../protocol/types.js";
import { LineChannel, type StdioOptions } from "./stdio.js";
import type { Transport, TransportEvents } from "../jsonrpc/transport.js";

export interface StdioServerParameters extends StdioOptions {
  command: string;
  args?: string[];
  /** Environment of the server. Default: this process's PATH, HOME and a few other safe variables only. */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Receives the server's stderr, line by line; a line longer than `maxStderrLineChars` arrives in pieces of
   * that size. Default: dropped.
   */
  onstderr?: (line: string) => void;
  /** The longest stderr piece delivered at once, in characters. Default 64 KiB. */
  maxStderrLineChars?: number;
  /** How long to wait after closing stdin, then after SIGTERM. Default 2000 ms each. */
  shutdownGraceMs?: number;
}

/** Variables passed to a server by default: enough to run, nothing secret (the SDKs' convention). */
const DEFAULT_INHERITED_ENV = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "TMPDIR", "NODE_OPTIONS"];

const DEFAULT_MAX_STDERR_LINE = 64 * 1024;

/**
 * How much of the server's stderr is kept to explain its end: a server that fails to start says why there (a
 * missing module, a syntax error, a registration mistake), and that reason is what a person needs to see.
 */
const TAIL_LINES = 12;
const TAIL_LINE_CHARS = 300;

/** StderrTail keeps the last lines a server wrote on stderr, each shortened, control characters made visible. */
export class StderrTail {
  readonly #lines: (string | { skipped: number })[] = [];
  /** How many frames of the stack trace being read were kept; past two, they are counted, not kept. */
  #frames = 0;
  push(line: string): void {
    const l = line.replace(/\r$/, "");
    if (l.trim() === "") return;
    // A stack trace's frames would push its error message out of the tail: the first two are kept, the rest counted.
    if (/^\s+at\s/.test(l)) {
      if (++this.#frames > 2) {
        const last = this.#lines.at(-1);
        if (typeof last === "object") last.skipped++;
        else this.#lines.push({ skipped: 1 });
        return;
      }
    } else this.#frames = 0;
    this.#lines.push(l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}…` : l);
    while (this.#lines.length > TAIL_LINES) this.#lines.shift();
  }
  get lines(): string[] {
    return this.#lines.map((l) => (typeof l === "string" ? printable(l) : `    … ${l.skipped} more frame${l.skipped === 1 ? "" : "s"}`));
  }
}

/** printable shows control characters as escapes, so that a process's output cannot drive the terminal it is shown on. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * stderrLines splits a text stream into lines for `deliver`. Each chunk is scanned once and at most `max`
 * characters are held, so a server that writes megabytes without a newline costs linear time and bounded
 * memory: the long line arrives in pieces of `max`.
 */
export function stderrLines(deliver: (line: string) => void, max: number): (chunk: string) => void {
  let held = "";
  return (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const line = held + chunk.slice(start, nl);
      held = "";
      for (let i = 0; i < line.length || i === 0; i += max) deliver(line.slice(i, i + max));
      start = nl + 1;
    }
    held += chunk.slice(start);
    while (held.length >= max) {
      deliver(held.slice(0, max));
      held = held.slice(max);
    }
  };
}

export function defaultEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of DEFAULT_INHERITED_ENV) {
    const v = process.env[k];
    if (v !== undefined && !v.startsWith("()")) env[k] = v;
  }
  return env;
}

export class StdioClientTransport implements Transport {
  readonly #params: StdioServerParameters;
  #child?: ChildProcess;
  #channel?: LineChannel;
  #events?: TransportEvents;
  #closed = false;
  /** Set when the user asked to close, so that the server's exit is not reported as a fault. */
  #closeRequested = false;
  #exit?: Promise<void>;
  readonly #tail = new StderrTail();
  #spawnError?: Error;
  /** Set when this transport ended the process (it closed its output but lived on), so its signal is not the reason. */
  #stopped = false;

  constructor(params: StdioServerParameters) {
    if (typeof params?.command !== "string" || params.command === "")
      throw misuse('new StdioClientTransport: "command" must be the server executable to run');
    this.#params = params;
  }

  /** The server's process id, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(events: TransportEvents): void {
    this.#events = events;
    const p = this.#params;
    const child = spawn(p.command, p.args ?? [], {
      env: p.env ?? defaultEnvironment(),
      cwd: p.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    this.#child = child;
    this.#exit = new Promise((resolve) => child.once("close", () => resolve()));
    child.once("error", (err) => {
      this.#spawnError = err;
      events.error(new TrellisError("TRANSPORT_ERROR", `could not start ${JSON.stringify(p.command)}: ${err.message}`, { cause: err }));
      void this.#shutdown();
    });
    child.once("exit", (code, signal) => {
      if (!this.#closeRequested) events.error(new TrellisError("CONNECTION_CLOSED", `server process exited (${signal ?? `code ${code}`})`));
      void this.#shutdown();
    });
    child.stderr!.setEncoding("utf8");
    // Always read (a chatty server never blocks on a full pipe), and the last lines kept to explain an early end.
    const onstderr = p.onstderr;
    child.stderr!.on(
      "data",
      stderrLines((line) => {
        this.#tail.push(line);
        onstderr?.(line);
      }, p.maxStderrLineChars ?? DEFAULT_MAX_STDERR_LINE),
    );
    this.#channel = new LineChannel(child.stdout!, child.stdin!, p);
    this.#channel.start({
      message: (m) => events.message(m),
      parseError: (detail) => {
        // Garbage on a server's stdout is the server's bug: report it, keep the session.
        events.error(new TrellisError("INVALID_MESSAGE", `server wrote a line that is not JSON-RPC: ${detail}`));
      },
      close: () => void this.#shutdown(),
      error: (e) => events.error(e),
    });
  }

  send(message: JsonRpcMessage): void {
    this.#channel?.send(message);
  }

  /** close shuts the server down as the spec says: close stdin, wait, SIGTERM, wait, SIGKILL. */
  close(): Promise<void> {
    this.#closeRequested = true;
    return this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    await this.#channel?.close();
    const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
    // A server whose output closed on its own is usually exiting: give it a moment, so its exit code is the reason.
    if (alive() && !this.#closeRequested && !this.#spawnError) await waitFor(this.#exit!, 500);
    if (alive()) {
      const grace = this.#params.shutdownGraceMs ?? 2000;
      child!.stdin?.end();
      this.#stopped = !this.#closeRequested;
      if (!(await waitFor(this.#exit!, grace))) {
        child!.kill("SIGTERM");
        if (!(await waitFor(this.#exit!, grace))) child!.kill("SIGKILL");
      }
    }
    let reason: Error | undefined;
    if (!this.#closeRequested) {
      // The server ended on its own: the rest of its stderr, which says why, may still be in the pipe.
      if (child && !this.#spawnError) await waitFor(this.#exit!, 1000);
      reason = this.#endReason();
    }
    this.#events?.close(reason);
  }

  /** Why the server went away on its own: how it ended, and its last lines on stderr. */
  #endReason(): Error {
    const child = this.#child;
    const how = this.#spawnError
      ? `could not start ${JSON.stringify(this.#params.command)}: ${this.#spawnError.message}`
      : this.#stopped
        ? "the server closed its output (and was stopped)"
        : child?.signalCode
          ? `the server process was killed by ${child.signalCode}`
          : typeof child?.exitCode === "number"
            ? `the server process exited with code ${child.exitCode}`
            : "the server closed its output";
    const lines = this.#tail.lines;
    if (this.#spawnError) return new TrellisError("TRANSPORT_ERROR", how, { cause: this.#spawnError });
    return new TrellisError(
      "CONNECTION_CLOSED",
      lines.length ? `${how}; its last lines on stderr:\n${lines.map((l) => `  ${l}`).join("\n")}` : `${how} (it wrote nothing on stderr)`,
    );
  }
}

async function waitFor(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}

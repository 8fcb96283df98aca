/**
 * stdio transport (Node only): newline-delimited JSON on stdin/stdout. Nothing but protocol messages is
 * ever written to stdout; diagnostics belong on stderr. Partial lines are buffered, garbage lines are
 * answered with a parse error and the connection carries on.
 */
import type { Readable, Writable } from "node:stream";
import type { JsonRpcMessage } from "../protocol/types.js";
import type { Transport, TransportEvents } from "../jsonrpc/transport.js";

/** StdioOptions tune a stdio transport. */
export interface StdioOptions {
  /** The longest line accepted, in bytes; a longer one is dropped with a parse error. Default 64 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

/**
 * LineChannel is the shared machinery of both stdio sides: it frames messages on newlines and batches
 * writes made in the same turn of the event loop into one write.
 */
export class LineChannel implements Transport {
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #max: number;
  #events?: TransportEvents;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #out: string[] = [];
  #flushScheduled = false;
  #closed = false;
  readonly #onData = (chunk: Buffer | string) => this.#read(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  readonly #onEnd = () => void this.close();
  readonly #onError = (err: Error) => this.#events?.error(err);

  constructor(input: Readable, output: Writable, options: StdioOptions = {}) {
    this.#input = input;
    this.#output = output;
    this.#max = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  }

  start(events: TransportEvents): void {
    this.#events = events;
    this.#input.on("data", this.#onData);
    this.#input.on("end", this.#onEnd);
    this.#input.on("close", this.#onEnd);
    this.#input.on("error", this.#onError);
    this.#output.on("error", this.#onOutputError);
  }

  readonly #onOutputError = (err: NodeJS.ErrnoException) => {
    // The reader went away (EPIPE): nothing more can be said, so close instead of crashing.
    this.#events?.error(err);
    void this.close();
  };

  #read(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl !== -1) {
      let line: Buffer = chunk.subarray(start, nl);
      if (this.#chunks.length) {
        this.#chunks.push(line);
        line = Buffer.concat(this.#chunks);
        this.#chunks = [];
        this.#buffered = 0;
      }
      if (line.length > this.#max && !this.#skipping) {
        this.#events?.parseError(`line longer than ${this.#max} bytes dropped`);
      } else {
        this.#line(line);
      }
      this.#skipping = false;
      if (this.#closed) return;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length && !this.#skipping) {
      const rest = chunk.subarray(start);
      this.#buffered += rest.length;
      if (this.#buffered > this.#max) {
        this.#chunks = [];
        this.#buffered = 0;
        this.#skipping = true;
        this.#events?.parseError(`line longer than ${this.#max} bytes dropped`);
        return;
      }
      this.#chunks.push(rest);
    }
  }

  /** True while dropping the rest of an over-long line. */
  #skipping = false;

  #line(line: Buffer): void {
    if (this.#skipping) return;
    let text = line.toString("utf8");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.#events?.parseError((err as Error).message);
      return;
    }
    this.#events?.message(parsed);
  }

  send(message: JsonRpcMessage): void {
    if (this.#closed) return;
    this.#out.push(JSON.stringify(message));
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = () => {
    this.#flushScheduled = false;
    if (this.#out.length === 0 || this.#closed) return;
    const text = `${this.#out.join("\n")}\n`;
    this.#out = [];
    this.#output.write(text);
  };

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#input.off("data", this.#onData);
    this.#input.off("end", this.#onEnd);
    this.#input.off("close", this.#onEnd);
    this.#input.off("error", this.#onError);
    this.#events?.close();
  }
}

/** StdioServerTransport serves MCP on this process's stdin and stdout. */
export class StdioServerTransport extends LineChannel {
  constructor(input: Readable = process.stdin, output: Writable = process.stdout, options?: StdioOptions) {
    super(input, output, options);
  }
}

/**
 * Property-based fuzz targets (fast-check) for the three places a peer's bytes enter Trellis: the JSON-RPC
 * session behind McpServer, the stdio line framing, and the Streamable HTTP handler. Each target checks, for every
 * generated input, that nothing throws out, every output is well formed, every request is answered (a case that
 * does not settle in time is a hang), and, across the run, that no exception escapes and the heap does not grow.
 * `npm run fuzz` runs them at scale (run.ts); test/fuzz/fuzz.test.ts runs a fixed-seed slice in `npm test`.
 */
import fc from "fast-check";
import { PassThrough } from "node:stream";
import { McpServer } from "../../src/server/index.js";
import { LineChannel } from "../../src/transports/stdio.js";
import { StreamableHttpHandler, type HttpRequestLike } from "../../src/transports/http/index.js";
import type { MessageExtra, Transport, TransportEvents } from "../../src/jsonrpc/transport.js";
import type { JsonRpcMessage } from "../../src/protocol/types.js";
import { CLIENT_REQUESTS, NOTIFICATIONS } from "../../src/protocol/methods.js";

export interface FuzzReport {
  target: string;
  cases: number;
  /** Property failures: a throw, a malformed output, a missing answer; each with its counterexample. */
  failures: string[];
  /** Exceptions and rejections that escaped to the process while the target ran. */
  uncaught: string[];
  /** Cases that did not settle within the per-case deadline. */
  hangs: number;
  /** Heap growth across the run after a forced GC (needs --expose-gc), in MiB. */
  heapGrowthMiB?: number;
  ms: number;
}

const CASE_DEADLINE_MS = 3000;

/** The server every target talks to: tools with schemas, a throwing one, structured output, tasks, resources, prompts, completion. */
export function fuzzServer(): McpServer {
  const s = new McpServer({ name: "fuzz", version: "1" }, { tasks: { rateLimit: false } });
  s.registerTool(
    "echo",
    { inputSchema: { type: "object", properties: { text: { type: "string", maxLength: 1000 } }, required: ["text"] } },
    (a) => a.text as string,
  );
  s.registerTool(
    "add",
    {
      inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
      outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
    },
    (a) => ({
      content: [],
      structuredContent: { sum: Number(a.a ?? 0) + Number(a.b ?? 0) },
    }),
  );
  s.registerTool("boom", {}, () => {
    throw new Error("boom");
  });
  s.registerTool("job", { execution: { taskSupport: "optional" } }, async (_a, ctx) => (ctx.progress(1, 1, "half"), "job done"));
  s.registerResource("test://static", { name: "static", mimeType: "text/plain" }, () => ({ text: "static" }));
  s.registerResourceTemplate(
    "test://item/{id}{?q}",
    { name: "item", complete: { id: (v) => ["1", "2", "10"].filter((x) => x.startsWith(v)) } },
    (uri, vars) => ({ text: `${uri} ${JSON.stringify(vars)}` }),
  );
  s.registerPrompt(
    "greet",
    { arguments: [{ name: "who", required: true, complete: (v) => ["alice", "bob"].filter((x) => x.startsWith(v)) }] },
    (a) => [{ role: "user", content: { type: "text", text: `hi ${a.who}` } }],
  );
  return s;
}

// ---- arbitraries --------------------------------------------------------------------------------------------------

const anyId = fc.oneof(
  fc.integer({ min: -5, max: 50 }),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
  fc.double(),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const validId = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.string({ minLength: 1, maxLength: 6 }));
const methodName = fc.oneof(
  fc.constantFrom(...Object.keys(CLIENT_REQUESTS), ...Object.keys(NOTIFICATIONS), "sampling/createMessage", "unknown/method", ""),
  fc.string({ maxLength: 20 }),
);
const json = fc.jsonValue({ maxDepth: 4 });
const uri = fc.oneof(
  fc.constantFrom("test://static", "test://item/1", "test://item/10?q=x", "test://nope", "test://item/", "file:///etc/passwd", ""),
  fc.webUrl(),
  fc.string({ maxLength: 30 }),
);

/** Params shaped like the real ones (so validation passes and handlers run), or anything at all. */
const paramsFor: Record<string, fc.Arbitrary<unknown>> = {
  "tools/call": fc.record(
    {
      name: fc.oneof(fc.constantFrom("echo", "add", "boom", "job", "missing"), fc.string({ maxLength: 8 })),
      arguments: fc.oneof(
        fc.record({ text: fc.oneof(fc.string({ maxLength: 50 }), json), a: json, b: fc.double() }, { requiredKeys: [] }),
        json,
      ),
      task: fc.oneof(fc.record({ ttl: fc.oneof(fc.integer(), fc.double(), fc.constant(null)) }, { requiredKeys: [] }), json),
      _meta: fc.record({ progressToken: fc.oneof(fc.string({ maxLength: 4 }), fc.integer()) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["name"] },
  ),
  "resources/read": fc.record({ uri }),
  "resources/subscribe": fc.record({ uri }),
  "prompts/get": fc.record(
    {
      name: fc.oneof(fc.constantFrom("greet", "nope"), fc.string({ maxLength: 5 })),
      arguments: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 10 }), json), { maxKeys: 3 }),
    },
    { requiredKeys: ["name"] },
  ),
  "completion/complete": fc.record(
    {
      ref: fc.oneof(
        fc.record({ type: fc.constant("ref/prompt"), name: fc.constantFrom("greet", "nope") }),
        fc.record({ type: fc.constant("ref/resource"), uri: fc.constantFrom("test://item/{id}{?q}", "test://static", "x") }),
        json,
      ),
      argument: fc.record({ name: fc.constantFrom("who", "id", "q", "x"), value: fc.string({ maxLength: 5 }) }),
      context: fc.record(
        { arguments: fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["ref", "argument"] },
  ),
  "tasks/get": fc.record({ taskId: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 }), json) }),
  "tasks/result": fc.record({ taskId: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 })) }),
  "tasks/cancel": fc.record({ taskId: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 })) }),
  "tasks/list": fc.record(
    { cursor: fc.oneof(fc.string({ maxLength: 12 }), fc.base64String({ maxLength: 40 }), json) },
    { requiredKeys: [] },
  ),
  "logging/setLevel": fc.record({ level: fc.oneof(fc.constantFrom("debug", "info", "error", "emergency"), fc.string({ maxLength: 6 })) }),
  "tools/list": fc.record({ cursor: fc.oneof(fc.string({ maxLength: 12 }), fc.base64String({ maxLength: 40 })) }, { requiredKeys: [] }),
  "notifications/cancelled": fc.record({ requestId: anyId, reason: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }),
  "notifications/progress": fc.record({ progressToken: anyId, progress: fc.double(), total: fc.double() }, { requiredKeys: [] }),
};

const shapedRequest = fc
  .constantFrom(...Object.keys(paramsFor))
  .chain((method) =>
    fc
      .record({ jsonrpc: fc.constant("2.0"), id: validId, method: fc.constant(method), params: paramsFor[method]! })
      .map((m) => (method.startsWith("notifications/") ? { jsonrpc: "2.0", method, params: m.params } : m)),
  );

/** One message a hostile or careless peer might send. */
export const peerMessage: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: shapedRequest },
  {
    weight: 2,
    arbitrary: fc.record(
      { jsonrpc: fc.oneof(fc.constant("2.0"), json), id: anyId, method: methodName, params: fc.oneof(json, fc.object({ maxDepth: 2 })) },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant("2.0"), id: anyId, result: json }, { requiredKeys: ["jsonrpc"] }) },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant("2.0"), id: anyId, error: json }, { requiredKeys: ["jsonrpc"] }) },
  { weight: 1, arbitrary: json },
  { weight: 1, arbitrary: fc.array(shapedRequest, { maxLength: 3 }) },
);

const INIT = {
  jsonrpc: "2.0",
  id: "init",
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "fuzz", version: "1" } },
};

// ---- harness ------------------------------------------------------------------------------------------------------

async function run(
  target: string,
  cases: number,
  seed: number,
  property: fc.IAsyncPropertyWithHooks<any>,
  after?: () => Promise<void>,
): Promise<FuzzReport> {
  const uncaught: string[] = [];
  const onUncaught = (e: unknown) => void uncaught.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  let hangs = 0;
  const failures: string[] = [];
  const counting = property.beforeEach(() => {});
  const result = await fc.check(counting, { numRuns: cases, seed, endOnFailure: true });
  if (result.failed) {
    const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    if (/^hang:/.test(why)) hangs++;
    failures.push(
      `${why}\n  counterexample: ${JSON.stringify(result.counterexample)?.slice(0, 2000)}\n  seed ${result.seed}, path ${result.counterexamplePath}`,
    );
  }
  await after?.();
  await new Promise((r) => setTimeout(r, 50));
  gc?.();
  const heapGrowthMiB = gc ? (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024 : undefined;
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
  return { target, cases: result.numRuns, failures, uncaught, hangs, heapGrowthMiB, ms: Date.now() - started };
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${CASE_DEADLINE_MS} ms`)), CASE_DEADLINE_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** Checks one outgoing JSON-RPC message; returns what is wrong with it. */
function malformed(m: unknown): string | undefined {
  if (typeof m !== "object" || m === null || Array.isArray(m)) return "not an object";
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== "2.0") return 'jsonrpc is not "2.0"';
  if ("id" in o && o.id === null) return "id is null (2025-11-25 leaves it out)";
  if ("method" in o) return typeof o.method === "string" ? undefined : "method is not a string";
  const hasResult = "result" in o;
  const hasError = "error" in o;
  if (hasResult === hasError) return "a response needs exactly one of result and error";
  if (hasError) {
    const e = o.error as { code?: unknown; message?: unknown };
    if (!Number.isInteger(e?.code) || typeof e?.message !== "string" || e.message === "")
      return "error without an integer code and a message";
  } else if (typeof o.result !== "object" || o.result === null || Array.isArray(o.result)) return "result is not an object";
  return undefined;
}

const isValidId = (id: unknown) => typeof id === "string" || (typeof id === "number" && Number.isInteger(id));

/** A transport the test drives: it injects messages and records what the session sends. */
class ProbeTransport implements Transport {
  events?: TransportEvents;
  sent: JsonRpcMessage[] = [];
  onsend?: () => void;
  start(events: TransportEvents): void {
    this.events = events;
  }
  send(message: JsonRpcMessage): void {
    this.sent.push(JSON.parse(JSON.stringify(message)) as JsonRpcMessage);
    this.onsend?.();
  }
  async close(): Promise<void> {
    this.events?.close();
  }
}

/**
 * The JSON-RPC session: a sequence of peer messages (after a real initialize, half the time). No throw, every
 * output well formed, every request with a usable id answered unless the peer cancelled it, and nothing answered
 * that was not asked.
 */
export function fuzzSession(cases: number, seed: number): Promise<FuzzReport> {
  // A fresh server now and then: what a server keeps on purpose (tasks until their ttl) is then not counted as
  // growth, and what leaks across servers is.
  let server = fuzzServer();
  let served = 0;
  const property = fc.asyncProperty(fc.boolean(), fc.array(peerMessage, { minLength: 1, maxLength: 6 }), async (initialize, messages) => {
    if (++served % 2000 === 0) {
      await server.close();
      server = fuzzServer();
    }
    const t = new ProbeTransport();
    const session = server.connect(t);
    const inbound = initialize ? [INIT, { jsonrpc: "2.0", method: "notifications/initialized" }, ...messages] : messages;
    const expected = new Set<string>();
    const cancelled = new Set<string>();
    /** Ids that may be answered: any readable id on something that is not itself a response. */
    const answerable = new Set<string>();
    for (const m of inbound) {
      const o = m as Record<string, unknown> | null;
      if (o && typeof o === "object" && !Array.isArray(o) && typeof o.method === "string" && "id" in o && isValidId(o.id))
        expected.add(JSON.stringify(o.id));
      if (o && typeof o === "object" && !Array.isArray(o) && isValidId(o.id) && ("method" in o || !("result" in o || "error" in o)))
        answerable.add(JSON.stringify(o.id));
      if (o && typeof o === "object" && o.method === "notifications/cancelled")
        cancelled.add(JSON.stringify((o.params as { requestId?: unknown } | undefined)?.requestId));
      t.events!.message(m, {} as MessageExtra); // throws here are failures
    }
    const answered = () =>
      new Set(t.sent.filter((m) => !("method" in m) && "id" in m).map((m) => JSON.stringify((m as { id: unknown }).id)));
    const waiting = () => [...expected].filter((id) => !cancelled.has(id) && !answered().has(id));
    let poll: ReturnType<typeof setInterval> | undefined;
    try {
      await within(
        new Promise<void>((resolve) => {
          const check = () => waiting().length === 0 && resolve();
          t.onsend = check;
          check();
          poll = setInterval(check, 5); // answers that come without a send (a cancelled request settles silently)
        }),
        `answers for ${waiting().join(", ")}`,
      );
    } finally {
      clearInterval(poll);
      t.onsend = undefined;
    }
    for (const m of t.sent) {
      const problem = malformed(m);
      if (problem) throw new Error(`${problem}: ${JSON.stringify(m)}`);
      if (!("method" in m) && "id" in m && !answerable.has(JSON.stringify((m as { id: unknown }).id)))
        throw new Error(`answered an id never asked: ${JSON.stringify(m)}`);
    }
    await session.close();
  });
  return run("jsonrpc session", cases, seed, property, () => server.close());
}

/**
 * The stdio framing: lines (JSON messages, garbage, blank, CRLF, invalid UTF-8, over-long) cut into arbitrary
 * chunks. What comes out must be exactly what a reference line splitter says: each JSON line as a message, each
 * garbage or over-long line as one parse error, in order.
 */
export function fuzzStdio(cases: number, seed: number): Promise<FuzzReport> {
  const max = 300;
  const line = fc.oneof(
    { weight: 4, arbitrary: peerMessage.map((m) => Buffer.from(JSON.stringify(m) ?? "null")) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((s) => Buffer.from(s.replace(/\n/g, ""))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.filter((x) => x !== 10))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(Buffer.from(""), Buffer.from("   "), Buffer.from("\r"), Buffer.from('{"jsonrpc":"2.0","method":"x"}\r')),
    },
    { weight: 1, arbitrary: fc.integer({ min: max - 2, max: max * 3 }).map((n) => Buffer.from(`"${"x".repeat(n)}"`)) },
  );
  const property = fc.asyncProperty(
    fc.array(line, { maxLength: 12 }),
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
    async (lines, cuts) => {
      const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\n")]));
      const want: unknown[] = [];
      for (const l of lines) {
        if (l.length > max) {
          want.push({ parseError: true });
          continue;
        }
        let text = l.toString("utf8");
        if (text.endsWith("\r")) text = text.slice(0, -1);
        if (text.trim() === "") continue;
        try {
          want.push({ message: JSON.parse(text) });
        } catch {
          want.push({ parseError: true });
        }
      }
      const input = new PassThrough();
      const output = new PassThrough();
      const channel = new LineChannel(input, output, { maxLineBytes: max });
      const got: unknown[] = [];
      channel.start({
        message: (m) => void got.push({ message: m }),
        parseError: () => void got.push({ parseError: true }),
        close: () => {},
        error: () => {},
      });
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        input.write(bytes.subarray(at, at + n));
        at += n;
      }
      await within(new Promise<void>((r) => setImmediate(r)), "stdio reads");
      await channel.close();
      const a = JSON.stringify(got);
      const b = JSON.stringify(want);
      if (a !== b) throw new Error(`framing differs from the reference:\n  got  ${a.slice(0, 500)}\n  want ${b.slice(0, 500)}`);
    },
  );
  return run("stdio framing", cases, seed, property);
}

const STATUSES = new Set([200, 202, 400, 401, 403, 404, 405, 406, 409, 413, 415, 429, 503]);

/**
 * The Streamable HTTP handler: arbitrary methods, headers and bodies, sometimes on a real session. Every reply has
 * an expected status (never 500), error replies carry a JSON-RPC error body that says something, and SSE replies
 * end once their request is answered.
 */
export function fuzzHttp(cases: number, seed: number): Promise<FuzzReport> {
  const server = fuzzServer();
  const h = new StreamableHttpHandler(server, { maxBodyBytes: 4096, maxSessionsPerClient: 1_000_000, maxSessions: 1_000_000 });
  const header = (values: fc.Arbitrary<string>) => fc.option(values, { nil: undefined });
  const request = fc.record({
    method: fc.oneof(fc.constantFrom("POST", "POST", "POST", "GET", "DELETE"), fc.constantFrom("PUT", "PATCH", "OPTIONS", "HEAD", "")),
    useSession: fc.boolean(),
    headers: fc.record(
      {
        accept: header(
          fc.constantFrom("application/json, text/event-stream", "text/event-stream", "application/json", "*/*", "text/html", ""),
        ),
        "content-type": header(
          fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "", "application/jsonx"),
        ),
        "mcp-protocol-version": header(fc.constantFrom("2025-11-25", "2025-06-18", "2025-03-26", "1999-01-01", "")),
        "mcp-session-id": header(
          fc.oneof(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 32, maxLength: 32 }), fc.string({ maxLength: 40 })),
        ),
        "last-event-id": header(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("abc_1", "_", "x_-1", "x_1e9"))),
        host: header(fc.constantFrom("127.0.0.1:3000", "localhost", "[::1]:80", "evil.example", "")),
        origin: header(fc.constantFrom("http://localhost:5173", "https://evil.example", "null", "not a url")),
        "content-length": header(fc.oneof(fc.nat().map(String), fc.constantFrom("-1", "abc", "99999999999"))),
      },
      { requiredKeys: [] },
    ),
    body: fc.oneof(
      peerMessage.map((m) => JSON.stringify(m) ?? ""),
      fc.string({ maxLength: 100 }),
      fc.constant("x".repeat(5000)),
    ),
  });
  let sessionId: string | undefined;
  let uses = 0;
  /** A live session for cases that want one; renewed now and then, since cases may DELETE it. */
  const liveSession = async (): Promise<string | undefined> => {
    if (!sessionId || uses++ % 20 === 0) {
      const headers: Record<string, string> = {
        host: "localhost",
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
      };
      const res = await h.handle({
        method: "POST",
        url: "/mcp",
        remoteAddress: "10.1.1.1",
        header: (n) => headers[n] ?? null,
        readBody: async () => JSON.stringify(INIT),
      });
      sessionId = res.headers["mcp-session-id"];
    }
    return sessionId;
  };
  const send = async (r: {
    method: string;
    headers: Record<string, string | undefined>;
    body: string;
  }): Promise<{ status: number; text: string; sse: boolean }> => {
    const headers = Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const req: HttpRequestLike = {
      method: r.method,
      url: "/mcp",
      remoteAddress: "10.1.1.1",
      header: (n) => headers[n] ?? null,
      headers: () => new Headers(Object.entries(headers).filter(([k, v]) => /^[a-z-]+$/.test(k) && !/[\r\n\0]/.test(v))),
      readBody: async (limit) => {
        if (Buffer.byteLength(r.body) > limit) throw new (await import("../../src/transports/http/reply.js")).BodyTooLargeError(limit);
        return r.body;
      },
    };
    const reply = await h.handle(req);
    if (!reply.sse) return { status: reply.status, text: reply.body ?? "", sse: false };
    let text = "";
    const channel = reply.sse;
    await within(
      new Promise<void>((resolve) => {
        channel.attach({ write: (c) => void (text += c), end: () => resolve() });
        // A standalone GET stream stays open by design: read what is there, then leave.
        if (r.method === "GET") setTimeout(() => (channel.detach(), resolve()), 20);
      }),
      `${r.method} SSE reply`,
    );
    return { status: reply.status, text, sse: true };
  };
  const property = fc.asyncProperty(request, async (r) => {
    if (r.useSession) {
      r.headers = {
        host: "localhost",
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-protocol-version": "2025-11-25",
        ...r.headers,
        "mcp-session-id": await liveSession(),
      };
    }
    const res = await within(send(r), `${r.method} request`);
    if (!STATUSES.has(res.status)) throw new Error(`unexpected status ${res.status}: ${res.text.slice(0, 300)}`);
    if (res.sse) {
      for (const line of res.text.split("\n")) {
        if (!line.startsWith("data: ") || line === "data: ") continue; // the priming event has empty data
        const problem = malformed(JSON.parse(line.slice(6)));
        if (problem) throw new Error(`SSE event: ${problem}: ${line}`);
      }
      return;
    }
    if (res.text === "") {
      if (res.status >= 400) throw new Error(`status ${res.status} without a body`);
      return;
    }
    const body = JSON.parse(res.text) as unknown;
    const problem = malformed(body);
    if (problem) throw new Error(`${problem}: ${res.text.slice(0, 300)}`);
    if (res.status >= 400 && !("error" in (body as object)))
      throw new Error(`status ${res.status} with a body that is not an error: ${res.text.slice(0, 300)}`);
  });
  return run("http handler", cases, seed, property, async () => {
    await h.close();
    await server.close();
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { Session } from "../../src/jsonrpc/session.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../../src/protocol/methods.js";
import { ProtocolError, TrellisError } from "../../src/protocol/errors.js";
import type { Transport, TransportEvents } from "../../src/jsonrpc/transport.js";
import type { JsonRpcMessage } from "../../src/protocol/types.js";
import { sleep, waitFor } from "../helpers.js";

/** A transport that records what is sent and lets the test inject raw input. */
class FakeTransport implements Transport {
  events!: TransportEvents;
  sent: JsonRpcMessage[] = [];
  settled: unknown[] = [];
  start(e: TransportEvents) {
    this.events = e;
  }
  send(m: JsonRpcMessage) {
    this.sent.push(m);
  }
  settle(id: unknown) {
    this.settled.push(id);
  }
  async close() {
    this.events.close();
  }
}

function serverSide(handlers: Record<string, (p: Record<string, unknown>, ctx: any) => unknown> = {}) {
  const t = new FakeTransport();
  const s = new Session(t, {
    incoming: CLIENT_REQUESTS,
    outgoing: SERVER_REQUESTS,
    notifications: NOTIFICATIONS,
    handlers: new Map(Object.entries(handlers)),
  });
  return { t, s };
}

const cases: { name: string; input: unknown; want: { id: unknown; code: number; message: RegExp } }[] = [
  { name: "not an object", input: 42, want: { id: undefined, code: -32600, message: /must be an object/ } },
  {
    name: "batch",
    input: [{ jsonrpc: "2.0", id: 1, method: "ping" }],
    want: { id: undefined, code: -32600, message: /batches are not supported/ },
  },
  {
    name: "wrong jsonrpc",
    input: { jsonrpc: "1.0", id: 3, method: "ping" },
    want: { id: 3, code: -32600, message: /"jsonrpc" must be "2.0"/ },
  },
  { name: "missing jsonrpc", input: { id: 4, method: "ping" }, want: { id: 4, code: -32600, message: /"jsonrpc"/ } },
  {
    name: "method not a string",
    input: { jsonrpc: "2.0", id: 5, method: 7 },
    want: { id: 5, code: -32600, message: /"method" must be a string/ },
  },
  {
    name: "bad id type",
    input: { jsonrpc: "2.0", id: { x: 1 }, method: "ping" },
    want: { id: undefined, code: -32600, message: /"id" must be a string or an integer/ },
  },
  { name: "fractional id", input: { jsonrpc: "2.0", id: 1.5, method: "ping" }, want: { id: undefined, code: -32600, message: /"id"/ } },
  {
    name: "unknown method",
    input: { jsonrpc: "2.0", id: 6, method: "tools/explode" },
    want: { id: 6, code: -32601, message: /method not found: "tools\/explode"/ },
  },
  {
    name: "params not an object",
    input: { jsonrpc: "2.0", id: 7, method: "tools/call", params: [1] },
    want: { id: 7, code: -32602, message: /"params" must be an object/ },
  },
  {
    name: "wrong param type",
    input: { jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: 12 } },
    want: { id: 8, code: -32602, message: /invalid params for "tools\/call": "name" must be string/ },
  },
  {
    name: "missing param",
    input: { jsonrpc: "2.0", id: 9, method: "tools/call", params: {} },
    want: { id: 9, code: -32602, message: /missing required field "name"/ },
  },
  { name: "neither request nor response", input: { jsonrpc: "2.0", id: 10 }, want: { id: 10, code: -32600, message: /needs "method"/ } },
];

for (const c of cases) {
  test(`malformed input: ${c.name}`, async () => {
    const { t } = serverSide({ "tools/call": () => ({ content: [] }) });
    t.events.message(c.input);
    await sleep(1);
    assert.equal(t.sent.length, 1);
    const e = t.sent[0] as { id: unknown; error: { code: number; message: string } };
    assert.equal(e.id, c.want.id);
    if (c.want.id === undefined) assert.ok(!("id" in e), "an unreadable id is left out, not null");
    assert.equal(e.error.code, c.want.code);
    assert.match(e.error.message, c.want.message);
  });
}

test("parse errors are answered with -32700 and no id", () => {
  const { t } = serverSide();
  t.events.parseError("Unexpected token");
  assert.deepEqual(t.sent[0], { jsonrpc: "2.0", error: { code: -32700, message: "parse error: Unexpected token" } });
});

test('attack #13: an error reply for an unreadable id leaves "id" out, which the official SDK\'s schema accepts (null it rejects)', async () => {
  const { JSONRPCMessageSchema } = await import("@modelcontextprotocol/sdk/types.js");
  const { t } = serverSide();
  t.events.parseError("Unexpected token");
  t.events.message({ jsonrpc: "2.0", id: { x: 1 }, method: "ping" });
  assert.equal(t.sent.length, 2);
  for (const m of t.sent) {
    assert.ok(!("id" in (m as object)));
    assert.ok(JSONRPCMessageSchema.safeParse(m).success, `the SDK client accepts ${JSON.stringify(m)}`);
  }
  assert.equal(
    JSONRPCMessageSchema.safeParse({ ...(t.sent[0] as object), id: null }).success,
    false,
    "and refuses id: null, the old reply",
  );
});

test("an error response without an id is reported, never answered (no echo loop between two peers)", async () => {
  const errors: Error[] = [];
  const t = new FakeTransport();
  new Session(t, { incoming: CLIENT_REQUESTS, outgoing: SERVER_REQUESTS, notifications: NOTIFICATIONS, onerror: (e) => errors.push(e) });
  t.events.message({ jsonrpc: "2.0", error: { code: -32700, message: "parse error" } });
  await sleep(1);
  assert.equal(t.sent.length, 0);
  assert.match(errors[0]!.message, /error without a request id/);
});

test("a bad message does not disturb a request in flight", async () => {
  let release!: () => void;
  const { t } = serverSide({ "tools/call": () => new Promise((r) => (release = () => r({ content: [] }))) });
  t.events.message({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
  t.events.message("garbage");
  t.events.message({ jsonrpc: "2.0", id: 2, method: "nope" });
  release();
  await waitFor(() => t.sent.find((m) => (m as { id?: unknown }).id === 1));
  assert.deepEqual(
    t.sent.find((m) => (m as { id?: unknown }).id === 1),
    { jsonrpc: "2.0", id: 1, result: { content: [] } },
  );
});

test("a request id already in flight is refused", async () => {
  const { t } = serverSide({ "tools/call": () => new Promise(() => {}) });
  t.events.message({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
  t.events.message({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "y" } });
  await sleep(1);
  assert.match((t.sent[0] as any).error.message, /already in use/);
});

test("handler errors: ProtocolError keeps its code, others become -32603", async () => {
  const { t } = serverSide({
    "tools/call": () => {
      throw new ProtocolError(-32042, "needs url", { elicitations: [] });
    },
    "prompts/get": async () => {
      throw new Error("boom");
    },
  });
  t.events.message({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
  t.events.message({ jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "p" } });
  await sleep(5);
  assert.deepEqual((t.sent[0] as any).error, { code: -32042, message: "needs url", data: { elicitations: [] } });
  assert.deepEqual((t.sent[1] as any).error, { code: -32603, message: "internal error: boom" });
});

test("incoming notifications/cancelled aborts the handler, sends no response and settles the transport", async () => {
  let signal!: AbortSignal;
  const { t } = serverSide({
    "tools/call": (_p, ctx) => {
      signal = ctx.signal;
      return new Promise((r) => ctx.signal.addEventListener("abort", () => r({ content: [] })));
    },
  });
  t.events.message({ jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "x" } });
  t.events.message({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "a", reason: "user" } });
  await sleep(5);
  assert.equal(signal.aborted, true);
  assert.equal(t.sent.length, 0);
  assert.deepEqual(t.settled, ["a", "a"]);
});

test("outgoing request: result, error, timeout, abort and progress", async () => {
  const { t, s } = serverSide();
  const ok = s.request("roots/list");
  t.events.message({ jsonrpc: "2.0", id: 0, result: { roots: [] } });
  assert.deepEqual(await ok, { roots: [] });

  const bad = s.request("roots/list");
  t.events.message({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "no" } });
  await assert.rejects(bad, (e: unknown) => e instanceof ProtocolError && e.code === -32601);

  const invalid = s.request("roots/list");
  t.events.message({ jsonrpc: "2.0", id: 2, result: { roots: "nope" } });
  await assert.rejects(invalid, /invalid result for "roots\/list"/);

  const slow = s.request("roots/list", undefined, { timeoutMs: 20 });
  await assert.rejects(slow, (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_TIMEOUT");
  assert.deepEqual(t.sent.at(-1), { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3, reason: "timed out" } });

  const ac = new AbortController();
  const aborted = s.request("roots/list", undefined, { signal: ac.signal });
  ac.abort("stop");
  await assert.rejects(aborted, (e: unknown) => e instanceof TrellisError && e.code === "REQUEST_CANCELLED");
  assert.equal((t.sent.at(-1) as any).method, "notifications/cancelled");

  const seen: number[] = [];
  const withProgress = s.request("roots/list", undefined, {
    onprogress: (p) => seen.push(p.progress),
    timeoutMs: 60,
    resetTimeoutOnProgress: true,
  });
  const sentReq = t.sent.at(-1) as any;
  assert.equal(sentReq.params._meta.progressToken, sentReq.id);
  for (let i = 1; i <= 3; i++) {
    await sleep(40);
    t.events.message({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: sentReq.id, progress: i } });
  }
  t.events.message({ jsonrpc: "2.0", id: sentReq.id, result: { roots: [] } });
  await withProgress;
  assert.deepEqual(seen, [1, 2, 3]);
});

test("close rejects pending requests with CONNECTION_CLOSED", async () => {
  const { s } = serverSide();
  const p = s.request("roots/list");
  await s.close();
  await assert.rejects(p, (e: unknown) => e instanceof TrellisError && e.code === "CONNECTION_CLOSED");
});

test("a transport that closes with a reason (a server process that exited) fails what waits with that reason, kept as the cause", async () => {
  const { t, s } = serverSide();
  const p = s.request("roots/list");
  const reason = new TrellisError("CONNECTION_CLOSED", "the server process exited with code 1; its last lines on stderr:\n  boom");
  t.events.close(reason);
  await assert.rejects(
    p,
    (e: unknown) => e instanceof TrellisError && e.code === "CONNECTION_CLOSED" && e.message === reason.message && e.cause === reason,
  );
});

test("a throw while dispatching a peer's message is answered with -32603 and reported, never thrown into the transport", () => {
  const errors: Error[] = [];
  const t = new FakeTransport();
  const s = new Session(t, {
    incoming: CLIENT_REQUESTS,
    outgoing: SERVER_REQUESTS,
    notifications: NOTIFICATIONS,
    onerror: (e) => errors.push(e),
    handlers: new Map([["tools/list", () => ({ tools: [] })]]),
  });
  s.gate = () => {
    throw new Error("gate exploded");
  };
  assert.doesNotThrow(() => t.events.message({ jsonrpc: "2.0", id: 9, method: "tools/list" }));
  assert.deepEqual(t.sent[0], { jsonrpc: "2.0", id: 9, error: { code: -32603, message: "internal error: gate exploded" } });
  assert.equal(errors[0]!.message, "gate exploded");
});

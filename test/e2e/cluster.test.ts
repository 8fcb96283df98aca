/**
 * Scale-out through a real balancer: `startCluster` (the same code as `npm run cluster`) runs redis-server, three
 * everything-server nodes and haproxy round-robin without stickiness. haproxy names the node that answered each
 * request (x-served-by), so the tests can check that a request really landed on another node than the one before.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type RunningCluster, startCluster } from "../../examples/cluster/cluster.js";
import { runConformance } from "../conformance/run.js";
import { sleep } from "../helpers.js";

let cluster: RunningCluster;
const logs: string[] = [];

before(async () => {
  cluster = await startCluster({ nodeArgs: ["--task-lease-ms", "2000"], log: (l) => logs.push(l) });
});
after(async () => {
  await cluster?.stop();
});

interface SseEvent {
  id?: string;
  data: string;
}

/** An SSE response read event by event. */
class SseReader {
  readonly served: string;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #queue: SseEvent[] = [];
  #done = false;
  constructor(res: Response) {
    this.served = res.headers.get("x-served-by") ?? "?";
    this.#reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** The next event with data, or undefined when the stream ended. */
  async next(timeoutMs = 10_000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.#queue.shift();
      if (e) return e;
      if (this.#done) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no SSE event in time");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no SSE event in time")), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) this.#done = true;
      else this.#buffer += chunk.value;
      let cut = this.#buffer.indexOf("\n\n");
      while (cut !== -1) {
        const block = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut + 2);
        const ev: SseEvent = { data: "" };
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) ev.id = line.slice(4);
          else if (line.startsWith("data: ")) ev.data += line.slice(6);
        }
        if (ev.data) this.#queue.push(ev);
        cut = this.#buffer.indexOf("\n\n");
      }
    }
  }
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

let nextId = 1;
/** A raw session through the balancer that records which node answered each request. */
class RawSession {
  sessionId = "";
  constructor(readonly url: string) {}
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(this.sessionId ? { "mcp-session-id": this.sessionId } : {}),
      ...extra,
    };
  }
  post(body: unknown): Promise<Response> {
    return fetch(this.url, { method: "POST", headers: this.headers(), body: JSON.stringify(body) });
  }
  /** A request's result (JSON or SSE) and the node that served it. */
  async request(method: string, params: Record<string, unknown> = {}): Promise<{ body: any; served: string }> {
    const res = await this.post({ jsonrpc: "2.0", id: nextId++, method, params });
    const served = res.headers.get("x-served-by") ?? "?";
    if (res.headers.get("content-type")?.includes("event-stream")) {
      const r = new SseReader(res);
      for (let e = await r.next(); e; e = await r.next()) {
        const m = JSON.parse(e.data);
        if (!("method" in m)) return { body: m, served };
      }
      throw new Error(`${method}: the stream ended without a response`);
    }
    return { body: await res.json(), served };
  }
  async notify(method: string, params: Record<string, unknown> = {}): Promise<string> {
    const res = await this.post({ jsonrpc: "2.0", method, params });
    assert.equal(res.status, 202, await res.text());
    return res.headers.get("x-served-by") ?? "?";
  }
  async open(capabilities: Record<string, unknown> = {}): Promise<void> {
    const res = await this.post({
      jsonrpc: "2.0",
      id: nextId++,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities, clientInfo: { name: "cluster-test", version: "1" } },
    });
    assert.equal(res.status, 200);
    this.sessionId = res.headers.get("mcp-session-id")!;
    await res.text();
    await this.notify("notifications/initialized");
  }
  async get(lastEventId?: string): Promise<SseReader> {
    const res = await fetch(this.url, {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": this.sessionId,
        "mcp-protocol-version": "2025-11-25",
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      },
    });
    if (res.status !== 200) assert.fail(`GET: ${res.status} ${await res.text()}`);
    return new SseReader(res);
  }
}

test("conformance: the server suite (2025-11-25) passes through the balancer against three nodes", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-cluster-conformance-"));
  try {
    const { summary, scenarios } = await runConformance(["server", "--url", cluster.url, "--requirements", "2025-11-25"], dir);
    assert.deepEqual(
      scenarios.filter((s) => !s.ok).map((s) => s.name),
      [],
      summary,
    );
    assert.ok(scenarios.length >= 33, summary);
    assert.match(summary, /Total: \d+ passed, 0 failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("round-robin without stickiness: consecutive requests of one session land on different nodes", async () => {
  const s = new RawSession(cluster.url);
  await s.open();
  const served = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await s.request("tools/call", { name: "echo", arguments: { text: `hi ${i}` } });
    assert.equal(r.body.result.structuredContent.text, `hi ${i}`);
    served.add(r.served);
  }
  assert.equal(served.size, 3, `served by ${[...served]}`);
});

for (const kind of ["elicitation", "sampling"] as const) {
  test(`${kind}: requested by a handler on one node, answered by a POST that lands on another`, async () => {
    const s = new RawSession(cluster.url);
    await s.open(kind === "elicitation" ? { elicitation: {} } : { sampling: {} });
    const call =
      kind === "elicitation"
        ? { name: "test_elicitation", arguments: { message: "Your name?" } }
        : { name: "test_sampling", arguments: { prompt: "Say hi" } };
    const res = await s.post({ jsonrpc: "2.0", id: 77, method: "tools/call", params: call });
    const stream = new SseReader(res);
    let ask = JSON.parse((await stream.next())!.data);
    while (!ask.id) ask = JSON.parse((await stream.next())!.data);
    assert.equal(ask.method, kind === "elicitation" ? "elicitation/create" : "sampling/createMessage");
    const result =
      kind === "elicitation"
        ? { action: "accept", content: { username: "ada", email: "ada@example.com" } }
        : { role: "assistant", content: { type: "text", text: "hi from the model" }, model: "test-model" };
    let answeredBy = stream.served;
    // Round-robin: the answer goes to the next node; if another request got between, send nothing twice — check it.
    const answer = await s.post({ jsonrpc: "2.0", id: ask.id, result });
    assert.equal(answer.status, 202);
    answeredBy = answer.headers.get("x-served-by") ?? "?";
    assert.notEqual(answeredBy, stream.served, "the answer landed on the node that asked: the test proves nothing");
    const done = JSON.parse((await stream.next())!.data);
    assert.equal(done.id, 77);
    const text = done.result.content[0].text as string;
    assert.match(text, kind === "elicitation" ? /accept/ : /hi from the model/);
  });
}

test("the official SDK client (1.x) runs elicitation and sampling through the balancer", async () => {
  const client = new Client({ name: "sdk", version: "1" }, { capabilities: { elicitation: {}, sampling: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: "accept",
    content: { username: "grace", email: "grace@example.com" },
  }));
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: "assistant",
    content: { type: "text", text: "sampled" },
    model: "m",
  }));
  await client.connect(new StreamableHTTPClientTransport(new URL(cluster.url)));
  try {
    for (let i = 0; i < 3; i++) {
      const e = await client.callTool({ name: "test_elicitation", arguments: { message: "name?" } });
      assert.match(JSON.stringify(e.content), /grace/);
      const s = await client.callTool({ name: "test_sampling", arguments: { prompt: "p" } });
      assert.match(JSON.stringify(s.content), /sampled/);
    }
  } finally {
    await client.close();
  }
});

test("a GET stream cut and resumed on a different node receives exactly the missed events", async () => {
  const s = new RawSession(cluster.url);
  await s.open();
  let get = await s.get();
  const first = get.served;
  await s.request("tools/call", { name: "broadcast_log", arguments: { count: 3, tag: "before" } });
  const seen: number[] = [];
  let lastId = "";
  for (let i = 0; i < 3; i++) {
    const e = (await get.next())!;
    const m = JSON.parse(e.data);
    assert.equal(m.params.data.tag, "before");
    seen.push(m.params.data.n);
    lastId = e.id!;
  }
  assert.deepEqual(seen, [1, 2, 3]);
  await get.cancel();
  // Sent while no GET stream is open: kept in the shared stream.
  await s.request("tools/call", { name: "broadcast_log", arguments: { count: 4, tag: "missed" } });
  get = await s.get(lastId);
  if (get.served === first) {
    await get.cancel();
    get = await s.get(lastId);
  }
  assert.notEqual(get.served, first, "resumed on the same node");
  const missed: number[] = [];
  for (let i = 0; i < 4; i++) {
    const m = JSON.parse((await get.next())!.data);
    assert.equal(m.params.data.tag, "missed");
    missed.push(m.params.data.n);
  }
  assert.deepEqual(missed, [1, 2, 3, 4]);
  // And live from there on, wherever the notification is produced.
  await s.request("tools/call", { name: "broadcast_log", arguments: { count: 1, tag: "live" } });
  assert.equal(JSON.parse((await get.next())!.data).params.data.tag, "live");
  await get.cancel();
});

test("logging/setLevel and subscriptions set on one node hold on the others", async () => {
  const s = new RawSession(cluster.url);
  await s.open();
  const get = await s.get();
  await s.request("logging/setLevel", { level: "error" });
  await s.request("resources/subscribe", { uri: "test://watched-resource" });
  await sleep(100);
  // info is below error: no node may send it now.
  for (let i = 0; i < 3; i++) await s.request("tools/call", { name: "broadcast_log", arguments: { count: 1, tag: "quiet" } });
  await s.request("logging/setLevel", { level: "debug" });
  await sleep(100);
  await s.request("tools/call", { name: "broadcast_log", arguments: { count: 1, tag: "loud" } });
  const m = JSON.parse((await get.next())!.data);
  assert.equal(m.params.data.tag, "loud");
  await get.cancel();
});

test("DELETE on one node ends the session on every node", async () => {
  const s = new RawSession(cluster.url);
  await s.open();
  for (let i = 0; i < 3; i++) await s.request("ping");
  const res = await fetch(cluster.url, { method: "DELETE", headers: s.headers() });
  assert.equal(res.status, 200);
  // The other nodes hear of the end through Redis within moments (a broadcast, not a lookup per request).
  await sleep(100);
  for (let i = 0; i < 3; i++) {
    const r = await s.post({ jsonrpc: "2.0", id: nextId++, method: "ping" });
    assert.equal(r.status, 404, `node ${r.headers.get("x-served-by")} still serves the deleted session`);
  }
});

test("kill -9 of a node mid-flight: completed results served, resumable tasks finish elsewhere once, no event of a surviving stream lost, every request answered", {
  timeout: 120_000,
}, async () => {
  const s = new RawSession(cluster.url);
  await s.open();
  const createTask = async (name: string, seconds: number) => {
    const r = await s.request("tools/call", { name, arguments: { seconds }, task: { ttl: 600_000 } });
    return { taskId: r.body.result.task.taskId as string, served: r.served };
  };
  const done = await createTask("long_running_task", 0.05);
  await sleep(300);
  // The resumable task and the request stream run on the node about to die.
  const resumable = await createTask("resumable_task", 3);
  const victim = cluster.nodes.find((n) => n.name === resumable.served)!;
  assert.ok(victim, `unknown node ${resumable.served}`);
  // A surviving GET stream: on another node than the victim.
  let get = await s.get();
  while (get.served === victim.name) {
    await get.cancel();
    get = await s.get();
  }
  // A request in flight on the victim: its SSE stream carries progress, then the node dies.
  let inflight: Response | undefined;
  for (let i = 0; i < 3 && !inflight; i++) {
    const res = await s.post({
      jsonrpc: "2.0",
      id: 900 + i,
      method: "tools/call",
      params: { name: "long_running_task", arguments: { seconds: 20 }, _meta: { progressToken: `p${i}` } },
    });
    if (res.headers.get("x-served-by") === victim.name) inflight = res;
    else await res.body?.cancel();
  }
  assert.ok(inflight, "no request reached the victim");
  const stream = new SseReader(inflight);
  const progress = (await stream.next())!;
  assert.match(progress.data, /notifications\/progress/);

  victim.child.kill("SIGKILL");
  await new Promise((r) => victim.child.once("exit", r));

  // The in-flight request's stream is cut; resumed on a surviving node, it ends with a clear error.
  for (let e = await stream.next().catch(() => undefined); e; e = await stream.next().catch(() => undefined)) {}
  const lastId = progress.id!;
  const resumed = await s.get(lastId);
  let last: any;
  for (let e = await resumed.next(15_000); e; e = await resumed.next(15_000)) last = JSON.parse(e.data);
  assert.ok(last?.error, `expected an error response, got ${JSON.stringify(last)}`);
  assert.match(last.error.message, /node handling this request stopped/);

  // Every request through the balancer is answered while one node is gone (haproxy sends retries elsewhere).
  for (let i = 0; i < 6; i++) {
    const r = await s.request("tools/call", { name: "broadcast_log", arguments: { count: 1, tag: `after-${i}` } });
    assert.match(r.body.result.content[0].text, /sent 1/);
  }
  // The surviving GET stream lost nothing: every broadcast, in order.
  const tags: string[] = [];
  while (tags.length < 6) {
    const m = JSON.parse((await get.next())!.data);
    // Task status notifications travel on this stream too.
    if (m.method === "notifications/message") tags.push(m.params.data.tag);
  }
  assert.deepEqual(
    tags,
    [0, 1, 2, 3, 4, 5].map((i) => `after-${i}`),
  );
  await get.cancel();

  // The completed task's result is still served.
  const doneResult = await s.request("tasks/result", { taskId: done.taskId });
  assert.match(doneResult.body.result.content[0].text, /finished 10 steps/);
  // The resumable task is taken over once its lease runs out, and finishes on another node.
  const final = await s.request("tasks/result", { taskId: resumable.taskId });
  assert.match(final.body.result.content[0].text, /slept 3 s/);
  const status = (await s.request("tasks/get", { taskId: resumable.taskId })).body.result;
  assert.equal(status.status, "completed");

  await cluster.restart(victim);
});

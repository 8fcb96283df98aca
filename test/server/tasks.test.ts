/** Tasks on the server side: every MUST and SHOULD of tasks.mdx that a receiver of tools/call owns. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { McpServer, MemoryTaskStore, RELATED_TASK, type TaskOptions } from "../../src/server/index.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { closeHttpServers, connectRaw as connectRawOn, sleep, waitFor } from "../helpers.js";

after(closeHttpServers);

function fixture(tasks: TaskOptions = {}) {
  const s = new McpServer({ name: "tasks", version: "1" }, { tasks: { pollIntervalMs: 250, ...tasks } });
  s.registerTool("plain", {}, () => "plain");
  s.registerTool(
    "slow",
    { execution: { taskSupport: "optional" }, inputSchema: { type: "object", properties: { ms: { type: "number" } } } },
    async (a, ctx) => {
      ctx.progress(1, 2, "halfway");
      await sleep((a.ms as number | undefined) ?? 50);
      ctx.progress(2, 2);
      return "slow done";
    },
  );
  s.registerTool("must", { execution: { taskSupport: "required" } }, () => "must done");
  s.registerTool("broken", { execution: { taskSupport: "optional" } }, () => {
    throw new Error("disk full");
  });
  s.registerTool("rpcfail", { execution: { taskSupport: "optional" } }, () => {
    throw new ProtocolError(-32042, "needs url", { elicitations: [] });
  });
  s.registerTool(
    "forever",
    { execution: { taskSupport: "optional" } },
    (_a, ctx) => new Promise((r) => ctx.signal.addEventListener("abort", () => r("stopped"))),
  );
  s.registerTool("ask", { execution: { taskSupport: "optional" } }, async (_a, ctx) => {
    ctx.setStatusMessage("asking the user");
    const r = await ctx.elicit({ message: "name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } });
    return `hello ${(r.content as { name?: string } | undefined)?.name}`;
  });
  return s;
}

/** connectRaw over the transport under test. */
function connectRaw(transport: "memory" | "http", server: McpServer, options: Parameters<typeof connectRawOn>[1] = {}) {
  return connectRawOn(server, { ...options, transport });
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

for (const transport of ["memory", "http"] as const) {
  test(`${transport}: capability, and taskSupport enforced with -32601`, async () => {
    const c = await connectRaw(transport, fixture());
    const caps = (c.server as unknown as { clientCapabilities: unknown }) && (await c.rpc.request("ping"), undefined);
    void caps;
    await assert.rejects(
      c.rpc.request("tools/call", { name: "plain", task: {} }),
      (e: any) => e.code === -32601 && /cannot run as a task/.test(e.message),
    );
    await assert.rejects(
      c.rpc.request("tools/call", { name: "must" }),
      (e: any) => e.code === -32601 && /must run as a task/.test(e.message),
    );
    assert.equal(
      (await c.rpc.request("tools/call", { name: "slow", arguments: { ms: 1 } })).content !== undefined,
      true,
      "optional tools still run normally",
    );
    await c.close();
    const init = await (async () => {
      const s = fixture();
      const raw = await connectRaw(transport, s, { initialize: false });
      const r = await raw.rpc.request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "x", version: "1" },
      });
      await raw.close();
      return r;
    })();
    assert.deepEqual((init.capabilities as any).tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  });

  test(`${transport}: a task-augmented call returns CreateTaskResult at once; tasks/get, status notifications, tasks/result`, async () => {
    const c = await connectRaw(transport, fixture());
    const created = (await c.rpc.request("tools/call", {
      name: "slow",
      arguments: { ms: 80 },
      task: { ttl: 60_000 },
      _meta: { progressToken: "pt" },
    })) as any;
    const task = created.task;
    assert.equal(task.status, "working");
    assert.match(task.taskId, /^[0-9a-f-]{36}$/);
    assert.match(task.createdAt, ISO);
    assert.match(task.lastUpdatedAt, ISO);
    assert.equal(task.ttl, 60_000);
    assert.equal(task.pollInterval, 250);
    const got = (await c.rpc.request("tasks/get", { taskId: task.taskId })) as any;
    assert.ok(["working"].includes(got.status));
    const result = await c.rpc.request("tasks/result", { taskId: task.taskId });
    assert.deepEqual(result, { content: [{ type: "text", text: "slow done" }], _meta: { [RELATED_TASK]: { taskId: task.taskId } } });
    const done = (await c.rpc.request("tasks/get", { taskId: task.taskId })) as any;
    assert.equal(done.status, "completed");
    assert.equal(done[RELATED_TASK], undefined);
    // Progress uses the original token for the task's lifetime and carries the related-task metadata.
    const progress = c.notifications.filter((n) => n.method === "notifications/progress").map((n) => n.params);
    assert.deepEqual(
      progress.map((p) => [p.progressToken, p.progress]),
      [
        ["pt", 1],
        ["pt", 2],
      ],
    );
    assert.deepEqual((progress[0]!._meta as any)[RELATED_TASK], { taskId: task.taskId });
    const statuses = c.notifications.filter((n) => n.method === "notifications/tasks/status").map((n) => n.params);
    assert.ok(statuses.some((s) => s.status === "completed" && s.taskId === task.taskId));
    assert.ok(
      statuses.some((s) => s.statusMessage === "halfway"),
      "a progress message lands in the task's statusMessage",
    );
    await c.close();
  });

  test(`${transport}: failures: isError results mark the task failed; JSON-RPC errors come back from tasks/result as the same error`, async () => {
    const c = await connectRaw(transport, fixture());
    const a = ((await c.rpc.request("tools/call", { name: "broken", task: {} })) as any).task.taskId;
    assert.deepEqual(await c.rpc.request("tasks/result", { taskId: a }), {
      content: [{ type: "text", text: "disk full" }],
      isError: true,
      _meta: { [RELATED_TASK]: { taskId: a } },
    });
    assert.equal(((await c.rpc.request("tasks/get", { taskId: a })) as any).status, "failed");
    const b = ((await c.rpc.request("tools/call", { name: "rpcfail", task: {} })) as any).task.taskId;
    await assert.rejects(c.rpc.request("tasks/result", { taskId: b }), (e: any) => e.code === -32042 && e.message === "needs url");
    await c.close();
  });

  test(`${transport}: cancel: stops the handler, moves to cancelled before answering, stays cancelled; terminal tasks cannot be cancelled`, async () => {
    const c = await connectRaw(transport, fixture());
    const id = ((await c.rpc.request("tools/call", { name: "forever", task: {} })) as any).task.taskId;
    // Settled early: over HTTP the waiting tasks/result may fail before the cancel answer arrives.
    const waiting = c.rpc.request("tasks/result", { taskId: id }).then(
      () => undefined,
      (e: Error) => e,
    );
    const cancelled = (await c.rpc.request("tasks/cancel", { taskId: id })) as any;
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.statusMessage, "The task was cancelled by request.");
    assert.match(String((await waiting)?.message), /was cancelled/);
    await sleep(20);
    assert.equal(((await c.rpc.request("tasks/get", { taskId: id })) as any).status, "cancelled");
    await assert.rejects(
      c.rpc.request("tasks/cancel", { taskId: id }),
      (e: any) => e.code === -32602 && /already cancelled/.test(e.message),
    );
    const done = ((await c.rpc.request("tools/call", { name: "slow", arguments: { ms: 1 }, task: {} })) as any).task.taskId;
    await c.rpc.request("tasks/result", { taskId: done });
    await assert.rejects(c.rpc.request("tasks/cancel", { taskId: done }), (e: any) => e.code === -32602);
    await c.close();
  });

  test(`${transport}: tasks/list pages with opaque cursors; bad ids and cursors are -32602`, async () => {
    const c = await connectRaw(transport, fixture({ pageSize: 2 }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await c.rpc.request("tools/call", { name: "slow", arguments: { ms: 1 }, task: {} })) as any).task.taskId);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await c.rpc.request("tasks/list", cursor ? { cursor } : {})) as any;
      assert.ok(page.tasks.length <= 2);
      seen.push(...page.tasks.map((t: any) => t.taskId));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), [...ids].sort());
    await assert.rejects(c.rpc.request("tasks/list", { cursor: "nope" }), (e: any) => e.code === -32602);
    await assert.rejects(
      c.rpc.request("tasks/get", { taskId: "no-such-task" }),
      (e: any) => e.code === -32602 && /not found/.test(e.message),
    );
    await assert.rejects(c.rpc.request("tasks/get", {}), (e: any) => e.code === -32602 && /"taskId" must be a string/.test(e.message));
    await c.close();
  });

  test(`${transport}: isolation: another session gets not-found for get, result and cancel, and an empty list`, async () => {
    const s = fixture();
    const a = await connectRaw(transport, s);
    const b = await connectRaw(transport, s);
    const id = ((await a.rpc.request("tools/call", { name: "forever", task: {} })) as any).task.taskId;
    for (const m of ["tasks/get", "tasks/result", "tasks/cancel"])
      await assert.rejects(b.rpc.request(m, { taskId: id }), (e: any) => e.code === -32602 && /not found/.test(e.message), m);
    assert.deepEqual(((await b.rpc.request("tasks/list")) as any).tasks, []);
    assert.equal(((await a.rpc.request("tasks/list")) as any).tasks.length, 1);
    await a.rpc.request("tasks/cancel", { taskId: id });
    await a.close();
    await b.close();
  });

  test(`${transport}: ttl: the receiver caps it, unlimited (null) only when both default and cap allow, and the actual ttl is reported`, async () => {
    const capped = await connectRaw(transport, fixture({ maxTtlMs: 10_000, defaultTtlMs: 5_000 }));
    const ttl = async (c: Awaited<ReturnType<typeof connectRaw>>, t: unknown) =>
      ((await c.rpc.request("tools/call", { name: "slow", arguments: { ms: 1 }, task: t === undefined ? {} : { ttl: t } })) as any).task
        .ttl;
    assert.equal(await ttl(capped, 60_000), 10_000);
    assert.equal(await ttl(capped, 2_000), 2_000);
    assert.equal(await ttl(capped, undefined), 5_000);
    await capped.close();
    const unlimited = await connectRaw(transport, fixture({ maxTtlMs: null, defaultTtlMs: null }));
    assert.equal(await ttl(unlimited, undefined), null);
    assert.equal(await ttl(unlimited, 123_456), 123_456);
    await unlimited.close();
    const cappedDefault = await connectRaw(transport, fixture({ maxTtlMs: 9_000, defaultTtlMs: null }));
    assert.equal(await ttl(cappedDefault, undefined), 9_000);
    await cappedDefault.close();
  });

  test(`${transport}: input_required: a task's elicitation reaches the client with related-task metadata, then the task resumes`, async () => {
    let seenParams: any;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = await connectRaw(transport, fixture(), {
      capabilities: { elicitation: { form: {} } },
      handlers: {
        "elicitation/create": async (p) => {
          seenParams = p;
          await gate;
          return { action: "accept", content: { name: "Ann" } };
        },
      },
    });
    const id = ((await c.rpc.request("tools/call", { name: "ask", task: {} })) as any).task.taskId;
    const result = c.rpc.request("tasks/result", { taskId: id });
    await waitFor(() => seenParams);
    const mid = (await c.rpc.request("tasks/get", { taskId: id })) as any;
    assert.equal(mid.status, "input_required");
    assert.deepEqual(seenParams._meta[RELATED_TASK], { taskId: id });
    release();
    assert.equal(((await result) as any).content[0].text, "hello Ann");
    const statuses = c.notifications
      .filter((n) => n.method === "notifications/tasks/status" && n.params.taskId === id)
      .map((n) => n.params.status);
    assert.deepEqual(
      statuses.filter((s, i) => s !== statuses[i - 1]),
      ["working", "input_required", "working", "completed"].filter((_s, i) => i > 0 || statuses[0] === "working"),
    );
    await c.close();
  });
}

test("a server without tasks ignores the task field and answers normally", async () => {
  const s = new McpServer({ name: "plain", version: "1" });
  s.registerTool("t", {}, () => "plain answer");
  const c = await connectRaw("memory", s);
  assert.deepEqual(await c.rpc.request("tools/call", { name: "t", task: { ttl: 1000 } }), {
    content: [{ type: "text", text: "plain answer" }],
  });
  await c.close();
});

test("rate limit: task operations past the owner's budget get -32013 (RateLimited) with a retry hint; other owners are unaffected", async () => {
  const s = fixture({ rateLimit: { perSecond: 1, burst: 3 } });
  const a = await connectRaw("memory", s);
  const b = await connectRaw("memory", s);
  const id = ((await a.rpc.request("tools/call", { name: "slow", arguments: { ms: 1 }, task: {} })) as any).task.taskId;
  await a.rpc.request("tasks/get", { taskId: id });
  await a.rpc.request("tasks/list");
  await assert.rejects(
    a.rpc.request("tasks/get", { taskId: id }),
    (e: any) => e.code === -32013 && /too many task operations; retry in \d+ ms/.test(e.message) && e.data.retryAfterMs > 0,
  );
  assert.deepEqual(((await b.rpc.request("tasks/list")) as any).tasks, []);
  await a.close();
  await b.close();
});

test("restart: completed results survive; unfinished tasks fail with a restart message or resume when resumable", async () => {
  const store = new MemoryTaskStore();
  const auth = { token: "t", subject: "alice", scopes: [] };
  const first = new McpServer({ name: "a", version: "1" }, { tasks: { store, leaseMs: 600 } });
  first.registerTool("quick", { execution: { taskSupport: "optional" } }, () => "quick done");
  first.registerTool("hang", { execution: { taskSupport: "optional" } }, () => new Promise(() => {}));
  first.registerTool("again", { execution: { taskSupport: "optional" }, resumable: true }, () => new Promise(() => {}));
  const c1 = await connectRaw("memory", first);
  (c1.rpc.transport as any).extra = { authInfo: auth };
  const quick = ((await c1.rpc.request("tools/call", { name: "quick", task: {} })) as any).task.taskId;
  await c1.rpc.request("tasks/result", { taskId: quick });
  const hang = ((await c1.rpc.request("tools/call", { name: "hang", task: {} })) as any).task.taskId;
  const again = ((await c1.rpc.request("tools/call", { name: "again", task: {} })) as any).task.taskId;
  // A second server on the same store while the first still runs: the first's tasks are leased, so left alone.
  const second = new McpServer({ name: "b", version: "1" }, { tasks: { store, leaseMs: 600 } });
  second.registerTool("quick", { execution: { taskSupport: "optional" } }, () => "quick done");
  second.registerTool("hang", { execution: { taskSupport: "optional" } }, () => new Promise(() => {}));
  second.registerTool("again", { execution: { taskSupport: "optional" }, resumable: true }, () => "resumed and done");
  await sleep(900); // past a whole lease: the first server must have renewed them
  assert.deepEqual(await second.recoverTasks(), { resumed: 0, failed: 0 }, "the first server renews its leases");
  assert.equal((await store.load(hang))!.status, "working");
  // "kill -9": the first server stops renewing (its timers end; its work never finishes); its leases run out.
  await first.close();
  // The second server's periodic recovery takes them over once the leases have run out.
  await waitFor(() => store.load(hang)?.status === "failed" && store.load(again)?.status === "completed", 10_000);
  const c2 = await connectRaw("memory", second);
  (c2.rpc.transport as any).extra = { authInfo: auth };
  assert.equal(((await c2.rpc.request("tasks/result", { taskId: quick })) as any).content[0].text, "quick done");
  const h = (await c2.rpc.request("tasks/get", { taskId: hang })) as any;
  assert.equal(h.status, "failed");
  assert.match(h.statusMessage, /server restarted/);
  await assert.rejects(c2.rpc.request("tasks/result", { taskId: hang }), /the server restarted while this task was running/);
  assert.equal(((await c2.rpc.request("tasks/result", { taskId: again })) as any).content[0].text, "resumed and done");
  assert.throws(() => second.registerTool("bad", { resumable: true }, () => ""), /resumable only applies to tools that run as tasks/);
  await c1.close();
  await c2.close();
});

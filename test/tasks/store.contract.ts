/** The TaskStore contract: every backend runs this suite with its own factory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidCursorError, type TaskRecord, type TaskStore } from "../../src/tasks/store.js";

function task(taskId: string, owner: string, over: Partial<TaskRecord> = {}): TaskRecord {
  const now = Date.now();
  return {
    taskId,
    owner,
    status: "working",
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    method: "tools/call",
    params: { name: "t", arguments: { n: 1 } },
    ...over,
  };
}

export function taskStoreContract(name: string, make: () => TaskStore) {
  test(`${name}: create, get (owner-scoped), update with results and errors`, async () => {
    const s = make();
    await s.create(task("t1", "alice", { pollInterval: 500, statusMessage: "started" }));
    const got = (await s.get("alice", "t1"))!;
    assert.equal(got.status, "working");
    assert.equal(got.pollInterval, 500);
    assert.deepEqual(got.params, { name: "t", arguments: { n: 1 } });
    assert.equal(await s.get("mallory", "t1"), undefined, "another owner sees nothing");
    assert.equal(await s.get("alice", "nope"), undefined);
    await s.update("t1", {
      status: "completed",
      result: { content: [{ type: "text", text: "done" }] },
      lastUpdatedAt: got.lastUpdatedAt + 5,
      statusMessage: undefined,
    });
    const done = (await s.get("alice", "t1"))!;
    assert.equal(done.status, "completed");
    assert.deepEqual(done.result, { content: [{ type: "text", text: "done" }] });
    assert.equal(done.statusMessage, undefined);
    await s.create(task("t2", "alice"));
    await s.update("t2", { status: "failed", error: { code: -32603, message: "boom" } });
    assert.deepEqual((await s.get("alice", "t2"))!.error, { code: -32603, message: "boom" });
    await s.close?.();
  });
  test(`${name}: list pages in creation order with opaque cursors, per owner`, async () => {
    const s = make();
    const base = Date.now();
    for (let i = 0; i < 5; i++) await s.create(task(`t${i}`, "alice", { createdAt: base + i }));
    await s.create(task("x", "bob", { createdAt: base }));
    const p1 = await s.list("alice", undefined, 2);
    assert.deepEqual(
      p1.tasks.map((t) => t.taskId),
      ["t0", "t1"],
    );
    const p2 = await s.list("alice", p1.nextCursor, 2);
    assert.deepEqual(
      p2.tasks.map((t) => t.taskId),
      ["t2", "t3"],
    );
    const p3 = await s.list("alice", p2.nextCursor, 2);
    assert.deepEqual(
      p3.tasks.map((t) => t.taskId),
      ["t4"],
    );
    assert.equal(p3.nextCursor, undefined);
    assert.deepEqual(
      (await s.list("bob", undefined, 10)).tasks.map((t) => t.taskId),
      ["x"],
    );
    await assert.rejects(async () => s.list("alice", "garbage", 2), InvalidCursorError);
    await s.close?.();
  });
  test(`${name}: expired tasks vanish and are swept; ttl null lives on; unfinished lists non-terminal tasks`, async () => {
    const s = make();
    const old = Date.now() - 10_000;
    await s.create(task("old", "a", { createdAt: old, ttl: 1000 }));
    await s.create(task("forever", "a", { createdAt: old, ttl: null }));
    await s.create(task("done", "a", { status: "completed" }));
    assert.equal(await s.get("a", "old"), undefined);
    assert.ok(await s.get("a", "forever"));
    assert.deepEqual((await s.unfinished()).map((t) => t.taskId).sort(), ["forever", "old"]);
    await s.sweep();
    assert.deepEqual(
      (await s.unfinished()).map((t) => t.taskId),
      ["forever"],
    );
    await s.close?.();
  });
  test(`${name}: claim takes a lease only when there is none, it ran out, or the holder already has it; never on a terminal task`, async () => {
    const s = make();
    const now = Date.now();
    await s.create(task("free", "a"));
    await s.create(task("held", "a", { lease: { holder: "p1", until: now + 10_000 } }));
    await s.create(task("stale", "a", { lease: { holder: "p1", until: now - 1 } }));
    await s.create(task("done", "a", { status: "completed" }));
    assert.equal(await s.claim("free", "p2", now + 100, now), true);
    assert.deepEqual((await s.load("free"))!.lease, { holder: "p2", until: now + 100 });
    assert.equal(await s.claim("held", "p2", now + 100, now), false, "another holder's live lease");
    assert.deepEqual((await s.load("held"))!.lease, { holder: "p1", until: now + 10_000 });
    assert.equal(await s.claim("held", "p1", now + 20_000, now), true, "renewal by the holder");
    assert.equal((await s.load("held"))!.lease!.until, now + 20_000);
    assert.equal(await s.claim("stale", "p2", now + 100, now), true, "a lease that ran out");
    assert.equal(await s.claim("done", "p2", now + 100, now), false, "terminal");
    assert.equal(await s.claim("missing", "p2", now + 100, now), false);
    await s.update("free", { status: "completed", lease: undefined });
    assert.equal((await s.load("free"))!.lease, undefined, "cleared with the final update");
    await s.close?.();
  });

  test(`${name}: take, where offered, is a shared token bucket: a burst, then a wait; keys are separate`, async (t) => {
    const s = make();
    if (!s.take) {
      await s.close?.();
      return t.skip("this store leaves rate limits to each process");
    }
    const limit = { perSecond: 10, burst: 3 };
    const now = Date.now();
    const k = `k-${crypto.randomUUID()}`;
    assert.deepEqual([await s.take(k, limit, now), await s.take(k, limit, now), await s.take(k, limit, now)], [0, 0, 0]);
    const wait = await s.take(k, limit, now);
    assert.ok(wait > 0 && wait <= 100, `wait ${wait} ms for one token at 10/s`);
    assert.equal(await s.take(`other-${k}`, limit, now), 0);
    assert.equal(await s.take(k, limit, now + 150), 0, "refilled after the wait");
    await s.close?.();
  });
}

/**
 * The task manager directly (the server's and client's task suites test it through the protocol): ttl caps, the
 * status machine under concurrent outcomes, leases renewed while work runs and work stopped when one is lost.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskManager } from "../../src/tasks/manager.js";
import { MemoryTaskStore } from "../../src/tasks/memory-store.js";
import { sleep, waitFor } from "../helpers.js";

test("ttl: the requested one capped by maxTtlMs; the default when none or nonsense is asked; null only when allowed", async () => {
  const m = new TaskManager({ defaultTtlMs: 1000, maxTtlMs: 5000, rateLimit: false });
  assert.equal((await m.create("o", "x", {}, 3000)).ttl, 3000);
  assert.equal((await m.create("o", "x", {}, 60_000)).ttl, 5000);
  assert.equal((await m.create("o", "x", {}, undefined)).ttl, 1000);
  assert.equal((await m.create("o", "x", {}, -5)).ttl, 1000);
  const open = new TaskManager({ defaultTtlMs: null, maxTtlMs: null, rateLimit: false });
  assert.equal((await open.create("o", "x", {}, undefined)).ttl, null);
  await m.close();
  await open.close();
});

test("a cancelled task stays cancelled whatever its work does next; a failing work stores its error", async () => {
  const store = new MemoryTaskStore();
  const m = new TaskManager({ store, rateLimit: false });
  let finish!: () => void;
  const t = await m.create("o", "x", {}, undefined);
  m.execute(t, undefined, "r", () => new Promise((r) => (finish = () => r({ status: "completed", result: { done: true } }))));
  await m.cancel("o", { taskId: t.taskId });
  finish();
  await sleep(10);
  assert.equal(store.load(t.taskId)!.status, "cancelled");
  assert.equal(store.load(t.taskId)!.result, undefined);
  const f = await m.create("o", "x", {}, undefined);
  m.execute(f, undefined, "r", async () => {
    throw new Error("disk full");
  });
  await waitFor(() => store.load(f.taskId)!.status === "failed");
  assert.deepEqual(store.load(f.taskId)!.error, { code: -32603, message: "internal error: disk full" });
  assert.equal(store.load(f.taskId)!.lease, undefined, "a finished task holds no lease");
  await m.close();
});

test("leases: renewed while the work runs; lost to another holder, the work is aborted and its outcome not written", async () => {
  const store = new MemoryTaskStore();
  const m = new TaskManager({ store, leaseMs: 90, rateLimit: false });
  const t = await m.create("o", "x", {}, undefined);
  let aborted = false;
  m.execute(
    t,
    undefined,
    "r",
    (control) =>
      new Promise((resolve) =>
        control.signal.addEventListener("abort", () => ((aborted = true), resolve({ status: "completed", result: { late: true } }))),
      ),
  );
  const first = store.load(t.taskId)!.lease!.until;
  await waitFor(() => store.load(t.taskId)!.lease!.until > first, 10_000); // renewed
  assert.equal(m.isRunning(t.taskId), true);
  // Another process takes the task over (say this one stalled past its lease).
  store.update(t.taskId, { lease: { holder: "someone-else", until: Date.now() + 60_000 } });
  await waitFor(() => aborted, 1000);
  await sleep(10);
  assert.equal(m.isRunning(t.taskId), false);
  assert.equal(store.load(t.taskId)!.status, "working", "the late outcome was not written over the new holder's task");
  await m.close();
});

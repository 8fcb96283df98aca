/**
 * Durability: start the example server on its SQLite default, create tasks, complete some, kill -9 it mid-run,
 * start it again on the same database, and check every task's status and result through the same session id.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep, spawnServer } from "../helpers.js";

const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));

function start(dir: string, extra: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  return spawnServer([server, "--port", "0", "--database", join(dir, "trellis.db"), ...extra], { cwd: dir });
}

let nextId = 1;
async function rpc(
  url: string,
  session: string | undefined,
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; sessionId: string | null; body: any }> {
  const notification = method.startsWith("notifications/");
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify(notification ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", id: nextId++, method, params }),
  });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("event-stream")
    ? JSON.parse(
        text
          .split("\n")
          .filter((l) => l.startsWith("data: {"))
          .at(-1)!
          .slice(6),
      )
    : text
      ? JSON.parse(text)
      : undefined;
  return { status: res.status, sessionId: res.headers.get("mcp-session-id"), body: json };
}

test("kill -9 mid-run: completed results survive, in-flight tasks fail with a restart message or resume, the session id still works", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-kill9-"));
  let first: ChildProcess | undefined;
  let second: ChildProcess | undefined;
  try {
    const a = await start(dir);
    first = a.child;
    const init = await rpc(a.url, undefined, "initialize", {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "kill9", version: "1" },
    });
    const sid = init.sessionId!;
    await rpc(a.url, sid, "notifications/initialized");
    const create = async (name: string, seconds: number) =>
      (await rpc(a.url, sid, "tools/call", { name, arguments: { seconds }, task: { ttl: 600_000 } })).body.result.task.taskId as string;
    const done = await create("long_running_task", 0.05);
    const doneResult = (await rpc(a.url, sid, "tasks/result", { taskId: done })).body.result;
    assert.match(doneResult.content[0].text, /finished 10 steps/);
    const inflight = await create("long_running_task", 30);
    const resumable = await create("resumable_task", 0.3);
    await sleep(100);
    assert.equal((await rpc(a.url, sid, "tasks/get", { taskId: inflight })).body.result.status, "working");

    first.kill("SIGKILL");
    await new Promise((r) => first!.once("exit", r));

    const b = await start(dir);
    second = b.child;
    // The same session id is accepted by the new process, and its tasks are still its own.
    const got = async (taskId: string) => (await rpc(b.url, sid, "tasks/get", { taskId })).body.result;
    assert.equal((await got(done)).status, "completed");
    const again = (await rpc(b.url, sid, "tasks/result", { taskId: done })).body.result;
    assert.deepEqual(again.content, doneResult.content);
    const failed = await got(inflight);
    assert.equal(failed.status, "failed");
    assert.match(failed.statusMessage, /server restarted/);
    const failedResult = (await rpc(b.url, sid, "tasks/result", { taskId: inflight })).body;
    assert.equal(failedResult.error.code, -32603);
    assert.match(failedResult.error.message, /restarted/);
    let r = await got(resumable);
    for (let i = 0; i < 50 && r.status !== "completed"; i++) {
      await sleep(50);
      r = await got(resumable);
    }
    assert.equal(r.status, "completed");
    assert.equal((await rpc(b.url, sid, "tasks/result", { taskId: resumable })).body.result.content[0].text, "slept 0.3 s");
    const listed = (await rpc(b.url, sid, "tasks/list")).body.result.tasks.map((t: { taskId: string }) => t.taskId).sort();
    assert.deepEqual(listed, [done, inflight, resumable].sort());
    // Another session cannot see them; an unknown session id is still 404.
    const other = await rpc(b.url, undefined, "initialize", {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "other", version: "1" },
    });
    assert.equal((await rpc(b.url, other.sessionId!, "tasks/get", { taskId: done })).body.error.code, -32602);
    assert.equal((await rpc(b.url, "0".repeat(32), "tasks/list")).status, 404);
  } finally {
    first?.kill("SIGKILL");
    second?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("attack #8: a second process on the same database leaves the first one's running tasks alone, and takes them over once it dies", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-two-"));
  let first: ChildProcess | undefined;
  let second: ChildProcess | undefined;
  const lease = ["--task-lease-ms", "600"];
  try {
    const a = await start(dir, lease);
    first = a.child;
    const sid = (
      await rpc(a.url, undefined, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "two", version: "1" },
      })
    ).sessionId!;
    await rpc(a.url, sid, "notifications/initialized");
    const create = async (name: string, seconds: number) =>
      (await rpc(a.url, sid, "tools/call", { name, arguments: { seconds }, task: { ttl: 600_000 } })).body.result.task.taskId as string;
    const inflight = await create("long_running_task", 30);
    const resumable = await create("resumable_task", 3);
    // The second process starts, recovers at its first connection, and keeps scanning (every lease period).
    const b = await start(dir, lease);
    second = b.child;
    const view = async (url: string, taskId: string) => (await rpc(url, sid, "tasks/get", { taskId })).body.result;
    await sleep(1800); // three lease periods: the first process must have renewed its leases throughout
    for (const taskId of [inflight, resumable]) {
      const t = await view(b.url, taskId);
      assert.equal(t.status, "working", `${taskId} is still running in the first process`);
      assert.doesNotMatch(t.statusMessage ?? "", /restart/i, "the second process neither failed nor resumed it");
    }
    assert.equal(
      (await rpc(a.url, sid, "tasks/result", { taskId: resumable })).body.result.content[0].text,
      "slept 3 s",
      "the first process finishes its own task",
    );
    assert.equal((await view(b.url, resumable)).status, "completed");
    // Now the first process dies: its lease is void (a dead process on this host), so the second takes over.
    first.kill("SIGKILL");
    await new Promise((r) => first!.once("exit", r));
    let t = await view(b.url, inflight);
    for (let i = 0; i < 40 && t.status === "working"; i++) {
      await sleep(100);
      t = await view(b.url, inflight);
    }
    assert.equal(t.status, "failed");
    assert.match(t.statusMessage, /server restarted/);
  } finally {
    first?.kill("SIGKILL");
    second?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

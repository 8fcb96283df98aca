/** A running task's control: notifications and questions go to the requestor, tagged with the task, on the right stream. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RunningTask } from "../../src/tasks/running.js";
import type { Session } from "../../src/jsonrpc/session.js";

function fakeSession() {
  const sent: { kind: string; method: string; params: Record<string, unknown>; route: unknown }[] = [];
  const s = {
    closed: false,
    notify: (method: string, params: Record<string, unknown>, route: unknown) => void sent.push({ kind: "notify", method, params, route }),
    request: async (method: string, params: Record<string, unknown>, options: Record<string, unknown>) => {
      sent.push({ kind: "request", method, params, route: options.relatedRequestId });
      return { action: "accept" };
    },
  };
  return { session: s as unknown as Session, sent };
}

test("notify tags the task and routes on the original request until a tasks/result waits, then on its stream", () => {
  const { session, sent } = fakeSession();
  const r = new RunningTask("t1", session, "orig");
  const control = r.control({ transition: async () => {}, setMessage: () => {}, waitForRequestorMs: 10 });
  control.notify("notifications/progress", { progress: 1, _meta: { keep: true } });
  r.attach(session, "result-7");
  control.notify("notifications/progress", { progress: 2 });
  assert.deepEqual(sent[0]!.params._meta, { keep: true, "io.modelcontextprotocol/related-task": { taskId: "t1" } });
  assert.deepEqual(
    sent.map((s) => s.route),
    [{ relatedRequestId: "orig" }, { relatedRequestId: "result-7" }],
  );
});

test("a question moves the task to input_required and back, waiting briefly for a tasks/result to travel on", async () => {
  const { session, sent } = fakeSession();
  const moves: string[] = [];
  const r = new RunningTask("t1", session, "orig");
  const control = r.control({ transition: async (to) => void moves.push(to), setMessage: () => {}, waitForRequestorMs: 1000 });
  const asked = control.request("elicitation/create", { message: "ok?" });
  setTimeout(() => r.attach(session, "result-1"), 20);
  assert.deepEqual(await asked, { action: "accept" });
  assert.deepEqual(moves, ["input_required", "working"]);
  assert.equal(sent[0]!.route, "result-1", "sent on the tasks/result stream that arrived");
  const orphan = new RunningTask("t2", undefined, "orig").control({
    transition: async () => {},
    setMessage: () => {},
    waitForRequestorMs: 10,
  });
  await assert.rejects(orphan.request("elicitation/create", {}), /task t2 has no requestor connected to ask "elicitation\/create"/);
});

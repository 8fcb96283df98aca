/**
 * Tasks as the `io.modelcontextprotocol/tasks` extension (2026-07-28, SEP-2663), on the same task manager and
 * stores as 2025-11-25's tasks. A client that declares the extension in a request's capabilities may get, for a
 * tool that can run as a task, a task handle instead of the result (`resultType: "task"`, the server decides); it
 * polls `tasks/get` (which carries the result, the error, or the questions the task waits on), answers questions
 * with `tasks/update`, and stops the task with `tasks/cancel`. A handler's `ctx.elicit()` in such a task waits in
 * this process for the answer, the task `input_required` meanwhile.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import { missingCapability, TASKS_EXTENSION } from "../protocol/modern.js";
import { RELATED_TASK } from "../protocol/tasks.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { TaskManager } from "../tasks/manager.js";
import type { TaskRecord } from "../tasks/store.js";
import { type TaskControl, toWireTask } from "../tasks/types.js";
import { validAnswer } from "./mrtr.js";
import type { ServerSession } from "./session.js";
import type { ServerState } from "./state.js";
import { runTool } from "./tools.js";
import { startToolTask, taskCaller, type TaskAsk } from "./tasks.js";
import { setBackgroundHook } from "./background.js";

export { TASKS_EXTENSION };
type Obj = Record<string, unknown>;

interface Question {
  method: string;
  params?: Obj;
  resolve(answer: Obj): void;
}

/** Questions of the tasks this process runs, by task and key; tasks/update answers them. */
const questions = new WeakMap<TaskManager, Map<string, { asked: Map<string, Question> }>>();
/**
 * How many questions each running task has asked, for their default keys: kept for the task's whole run (not only
 * while questions wait), so a key is never used twice in one task and a client that remembers what it answered
 * is never asked a new question under an old key.
 */
const asks = new WeakMap<TaskControl, number>();

function pendingOf(manager: TaskManager, taskId: string): { asked: Map<string, Question> } {
  let byTask = questions.get(manager);
  if (!byTask) questions.set(manager, (byTask = new Map()));
  let p = byTask.get(taskId);
  if (!p) byTask.set(taskId, (p = { asked: new Map() }));
  return p;
}

/** declaresTasks: did this request's client declare the extension? */
export function declaresTasks(session: ServerSession): boolean {
  const ext = (session.modern?.clientCapabilities as { extensions?: Obj } | undefined)?.extensions;
  return ext !== undefined && Object.hasOwn(ext, TASKS_EXTENSION);
}

const KIND: Record<string, string> = { "elicitation/create": "elicit", "sampling/createMessage": "sample", "roots/list": "roots" };

/** The ask of a task started by a 2026-07-28 request: the question waits here until tasks/update answers it. */
function askFor(manager: TaskManager): TaskAsk {
  return async (control: TaskControl, method, params, options) => {
    const pending = pendingOf(manager, control.taskId);
    const n = (asks.get(control) ?? 0) + 1;
    asks.set(control, n);
    const key = options.inputKey ?? `${KIND[method] ?? "input"}-${n}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = new Promise<Obj>((resolve, reject) => {
      pending.asked.set(key, { method, ...(params ? { params } : {}), resolve });
      control.signal.addEventListener("abort", () => reject(control.signal.reason), { once: true });
      // Nobody answering is an answer too: the ask fails after its timeout, as it would as a request.
      if (options.timeoutMs !== undefined)
        timer = setTimeout(
          () => reject(new TrellisError("REQUEST_TIMEOUT", `nobody answered "${method}" (${key}) within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
    });
    await control.setInputRequired(true);
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      pending.asked.delete(key);
      if (pending.asked.size === 0) {
        questions.get(manager)?.delete(control.taskId);
        if (!control.signal.aborted) await control.setInputRequired(false);
      }
    }
  };
}

/**
 * startTask runs a 2026-07-28 tools/call as a task when the client declared the extension and the tool can run as
 * one; it returns the flat task handle, or undefined to run the call at once. A tool that must run as a task is
 * refused with -32021 when the client did not declare the extension.
 */
export async function startTask(state: ServerState, params: Obj, session: ServerSession, rpc: RequestContext): Promise<Obj | undefined> {
  const tool = state.tools.get(String(params.name));
  const support = tool?.definition.execution?.taskSupport ?? "forbidden";
  if (!tool || support === "forbidden" || !state.tasks) return undefined;
  // A deferred tool starts as a plain request and becomes a task at ctx.background() (see deferredTask).
  if (tool.deferTask && declaresTasks(session)) return undefined;
  if (!declaresTasks(session)) {
    if (support === "required") throw missingCapability({ extensions: { [TASKS_EXTENSION]: {} } }, `the "${TASKS_EXTENSION}" extension`);
    return undefined;
  }
  const { task: _legacyHint, ...call } = params;
  const { record } = await startToolTask(
    state.tasks,
    (args, ctx) => runTool(state, tool, args, ctx),
    call,
    session,
    rpc,
    askFor(state.tasks),
  );
  return { resultType: "task", ...handle(record) };
}

/** handle: a task as 2026-07-28 shows it (ttlMs, pollIntervalMs; a tool's isError result is still "completed"). */
function handle(t: TaskRecord): Obj {
  // 2025-11-25's wire task, with the fields this revision names in milliseconds.
  const { ttl, pollInterval, ...rest } = toWireTask(t);
  const out: Obj = { ...rest, ttlMs: ttl };
  if (t.status === "failed" && t.result && !t.error) out.status = "completed";
  if (pollInterval !== undefined) out.pollIntervalMs = pollInterval;
  return out;
}

function managerFor(state: ServerState, session: ServerSession): TaskManager {
  if (!state.tasks) throw new ProtocolError(ErrorCode.MethodNotFound, "method not found: this server does not run tasks");
  if (!declaresTasks(session)) throw missingCapability({ extensions: { [TASKS_EXTENSION]: {} } }, `the "${TASKS_EXTENSION}" extension`);
  return state.tasks;
}

/** tasks/get: the task, with its result, error, or the questions it waits on. */
export async function getTask(state: ServerState, params: Obj, session: ServerSession, rpc: RequestContext): Promise<Obj> {
  const manager = managerFor(state, session);
  const t = await manager.record(taskCaller(session, rpc), params);
  const out: Obj = { resultType: "complete", ...handle(t) };
  if (t.status === "input_required") {
    const asked = questions.get(manager)?.get(t.taskId)?.asked;
    out.inputRequests = Object.fromEntries(
      [...(asked ?? [])].map(([k, q]) => [k, q.params ? { method: q.method, params: q.params } : { method: q.method }]),
    );
  }
  if (t.result && (t.status === "completed" || (t.status === "failed" && !t.error))) {
    const meta = { ...(t.result._meta as Obj | undefined) };
    delete meta[RELATED_TASK];
    const { _meta: _, ...rest } = t.result;
    out.result = Object.keys(meta).length ? { ...rest, _meta: meta } : rest;
  }
  if (t.status === "failed" && t.error) out.error = t.error;
  return out;
}

/** tasks/update: answers for the questions a task waits on; unknown or answered keys are ignored. */
export async function updateTask(state: ServerState, params: Obj, session: ServerSession, rpc: RequestContext): Promise<Obj> {
  const manager = managerFor(state, session);
  const t = await manager.record(taskCaller(session, rpc), params);
  const given = params.inputResponses;
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: "inputResponses" must be an object of answers by key');
  const asked = questions.get(manager)?.get(t.taskId)?.asked;
  for (const [k, v] of Object.entries(given as Obj)) {
    const q = asked?.get(k);
    if (q && validAnswer(q.method, v)) q.resolve(v as Obj);
  }
  return { resultType: "complete" };
}

/** tasks/cancel: stops the task; a task already finished is left as it is (the answer is the same). */
export async function cancelTask(state: ServerState, params: Obj, session: ServerSession, rpc: RequestContext): Promise<Obj> {
  const manager = managerFor(state, session);
  const caller = taskCaller(session, rpc);
  const t = await manager.record(caller, params);
  // A task that finishes meanwhile is left as it is: the answer is the same ack.
  if (!["completed", "failed", "cancelled"].includes(t.status)) await manager.cancel(caller, params).catch(() => {});
  return { resultType: "complete" };
}

/**
 * deferredTask prepares a 2026-07-28 call of a `deferTask` tool from a client that takes tasks: `ctx.background()`
 * makes the task (the request is then answered with its handle, `started`), and the handler's outcome, reported
 * through `settle` / `fail`, becomes the task's. Undefined when the call is not one.
 */
export function deferredTask(
  state: ServerState,
  params: Obj,
  session: ServerSession,
  rpc: RequestContext,
): { started: Promise<Obj>; settle(result: unknown): void; fail(err: unknown): void } | undefined {
  const tool = state.tools.get(String(params.name));
  const manager = state.tasks;
  if (!tool?.deferTask || !manager || !declaresTasks(session)) return undefined;
  let started!: (handle: Obj) => void;
  let settle!: (result: unknown) => void;
  let fail!: (err: unknown) => void;
  const outcome = new Promise<unknown>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  outcome.catch(() => {}); // reported through the task, or through the request before it became one
  setBackgroundHook(rpc, async () => {
    const { task: _hint, inputResponses: _i, requestState: _s, ...call } = params;
    const stored = { name: call.name, ...(call.arguments !== undefined ? { arguments: call.arguments } : {}) };
    const record = await manager.create(taskCaller(session, rpc), "tools/call", stored, undefined);
    return new Promise((become) => {
      manager.execute(record, session, rpc.id, async (control) => {
        become({ control, ask: askFor(manager) });
        started({ resultType: "task", ...handle(record) });
        const result = (await outcome) as Obj;
        return { status: result.isError ? "failed" : "completed", result };
      });
    });
  });
  return { started: new Promise<Obj>((resolve) => (started = resolve)), settle, fail };
}

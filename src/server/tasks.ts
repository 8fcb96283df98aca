/**
 * Tasks on the server side (tasks.mdx): a task-augmented tools/call creates a task, answers CreateTaskResult at
 * once, and runs the tool in the background through the task core (tasks/manager.ts). This file also answers
 * tasks/get, tasks/result, tasks/list and tasks/cancel for the server.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type { CallToolResult, ProgressToken, Task } from "../protocol/generated/schema-types.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { RequestOptions } from "../jsonrpc/outgoing.js";
import { principalKey } from "../jsonrpc/transport.js";
import type { TaskManager } from "../tasks/manager.js";
import { toWireTask, type TaskCaller, type TaskControl, type TaskOutcome } from "../tasks/types.js";
import type { TaskRecord } from "../tasks/store.js";
import { HandlerContext } from "./context.js";
import type { ServerSession } from "./session.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";
import type { ServerState } from "./state.js";

/**
 * taskOwner is who a task belongs to: the authenticated principal (principalKey, the same key sessions are bound
 * to), else the session (tasks.mdx, "Security").
 */
export function taskOwner(session: ServerSession, rpc?: Pick<RequestContext, "extra">): string {
  const auth = rpc?.extra?.authInfo;
  const principal = auth && principalKey(auth);
  if (principal) return `principal:${principal}`;
  // 2026-07-28 has no session: an anonymous caller's task is found by its (unguessable) id alone.
  if (session.modern) return "anonymous";
  return `session:${session.sessionId ?? (session.localId ??= crypto.randomUUID())}`;
}

/**
 * taskCaller is taskOwner plus, for a session-owned caller, its network address: rate limits then hold per
 * client, not per session, which anyone can open anew (tasks.mdx, "Security").
 */
export function taskCaller(session: ServerSession, rpc?: Pick<RequestContext, "extra">): TaskCaller {
  const owner = taskOwner(session, rpc);
  const address = rpc?.extra?.remoteAddress;
  return address !== undefined && (owner.startsWith("session:") || owner === "anonymous") ? { owner, address } : owner;
}

/**
 * TaskAsk: how a task's handler asks the requestor when its questions do not travel as requests (2026-07-28, where
 * tasks/get shows them and tasks/update answers them). Default: a request on the requestor's session.
 */
export type TaskAsk = (
  control: TaskControl,
  method: string,
  params: Record<string, unknown> | undefined,
  options: RequestOptions & { inputKey?: string },
) => Promise<Record<string, unknown>>;

/** ToolRun runs one tool call with its arguments: what a task's work does (callTool, bound to the tool). */
export type ToolRun = (args: Record<string, unknown> | undefined, ctx: HandlerContext) => Promise<CallToolResult>;

/** toolWork is a tool call as a task's work: an isError result marks the task failed (tasks.mdx). */
function toolWork(
  run: ToolRun,
  record: TaskRecord,
  session: ServerSession | undefined,
  progressToken?: ProgressToken,
  extra?: RequestContext["extra"],
  ask?: TaskAsk,
) {
  return async (control: TaskControl): Promise<TaskOutcome> => {
    const rpc: RequestContext = {
      id: record.taskId,
      method: "tools/call",
      signal: control.signal,
      meta: record.params._meta as Record<string, unknown> | undefined,
      progressToken,
      extra,
      session: session!,
      notify: control.notify,
      request: ask ? (m, p, o) => ask(control, m, p, o ?? {}) : control.request,
    };
    const ctx = new HandlerContext(rpc, session as ServerSession, { taskId: control.taskId, setStatusMessage: control.setStatusMessage });
    const result = await run(record.params.arguments as Record<string, unknown> | undefined, ctx);
    return { status: result.isError ? "failed" : "completed", result: result as unknown as Record<string, unknown> };
  };
}

/** startToolTask handles a tools/call that carries "task": the task is created, answered, and run in the background. */
export async function startToolTask(
  manager: TaskManager,
  run: ToolRun,
  params: Record<string, unknown>,
  session: ServerSession,
  rpc: RequestContext,
  ask?: TaskAsk,
): Promise<{ task: Task; record: TaskRecord }> {
  const stored = {
    name: params.name,
    ...(params.arguments !== undefined ? { arguments: params.arguments } : {}),
    ...(params._meta ? { _meta: params._meta } : {}),
  };
  const record = await manager.create(taskCaller(session, rpc), "tools/call", stored, (params.task as { ttl?: unknown } | undefined)?.ttl);
  manager.execute(record, session, rpc.id, toolWork(run, record, session, rpc.progressToken, rpc.extra, ask));
  return { task: toWireTask(record), record };
}

/** recoverToolTasks resumes the tasks of resumable tools (`resumable` gives their run) and fails the rest. */
export function recoverToolTasks(
  manager: TaskManager,
  resumable: (toolName: string) => ToolRun | undefined,
): Promise<{ resumed: number; failed: number }> {
  return manager.recover((t) => {
    const run = t.method === "tools/call" ? resumable(String(t.params.name)) : undefined;
    return run ? toolWork(run, t, undefined) : undefined;
  });
}

function tasksOf(state: ServerState): TaskManager {
  if (!state.tasks) throw new ProtocolError(ErrorCode.MethodNotFound, "method not found: this server does not support tasks");
  return state.tasks;
}

/** tasks/get, tasks/result, tasks/list, tasks/cancel: the caller's own tasks only (tasks.mdx). */
export const getTask: ServerMethod = (params, { state, session, rpc }) => tasksOf(state).get(taskCaller(session, rpc), params);
export const taskResult: ServerMethod = (params, { state, session, rpc }) => tasksOf(state).result(taskCaller(session, rpc), params, rpc);
export const listTasks: ServerMethod = (params, { state, session, rpc }) => tasksOf(state).list(taskCaller(session, rpc), params);
export const cancelTask: ServerMethod = (params, { state, session, rpc }) => tasksOf(state).cancel(taskCaller(session, rpc), params);

/** With tasks on, the server lists and cancels tasks and runs tools/call as tasks. */
export const tasksCapability: CapabilityContribution = (state, caps) => {
  if (state.tasks) caps.tasks = { list: {}, cancel: {}, requests: { tools: { call: {} } }, ...state.forced.tasks };
};

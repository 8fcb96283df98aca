/**
 * Tasks on the server side (tasks.mdx): a task-augmented tools/call creates a task, answers CreateTaskResult at
 * once, and runs the tool in the background through the shared task core (internal/task-manager.ts).
 */
import type { CallToolResult, ProgressToken, Task } from "../protocol/generated/schema-types.js";
import type { RequestContext } from "../jsonrpc/session.js";
import { principalKey } from "../jsonrpc/transport.js";
import { TaskManager, toWireTask, type TaskCaller, type TaskControl, type TaskOutcome } from "../tasks/manager.js";
import type { TaskRecord } from "../tasks/store.js";
import { HandlerContext } from "./context.js";
import type { ServerSession } from "./session.js";
import { callTool, type ToolEntry } from "./tools.js";

export { TaskManager, toWireTask, type TaskOptions } from "../tasks/manager.js";

/**
 * taskOwner is who a task belongs to: the authenticated principal (principalKey, the same key sessions are bound
 * to), else the session (tasks.mdx, "Security").
 */
export function taskOwner(session: ServerSession, rpc?: Pick<RequestContext, "extra">): string {
  const auth = rpc?.extra?.authInfo;
  const principal = auth && principalKey(auth);
  if (principal) return `principal:${principal}`;
  return `session:${session.sessionId ?? (session.localId ??= crypto.randomUUID())}`;
}

/**
 * taskCaller is taskOwner plus, for a session-owned caller, its network address: rate limits then hold per
 * client, not per session, which anyone can open anew (tasks.mdx, "Security").
 */
export function taskCaller(session: ServerSession, rpc?: Pick<RequestContext, "extra">): TaskCaller {
  const owner = taskOwner(session, rpc);
  const address = rpc?.extra?.remoteAddress;
  return address !== undefined && owner.startsWith("session:") ? { owner, address } : owner;
}

/** toolWork is a tool call as a task's work: an isError result marks the task failed (tasks.mdx). */
function toolWork(tool: ToolEntry, record: TaskRecord, session: ServerSession | undefined, progressToken?: ProgressToken, extra?: RequestContext["extra"]) {
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
      request: control.request,
    };
    const ctx = new HandlerContext(rpc, session as ServerSession, { taskId: control.taskId, setStatusMessage: control.setStatusMessage });
    const result: CallToolResult = await callTool(tool, record.params.arguments as Record<string, unknown> | undefined, ctx);
    return { status: result.isError ? "failed" : "completed", result: result as unknown as Record<string, unknown> };
  };
}

/** startToolTask handles a tools/call that carries "task". */
export async function startToolTask(manager: TaskManager, tool: ToolEntry, params: Record<string, unknown>, session: ServerSession, rpc: RequestContext): Promise<{ task: Task }> {
  const stored = { name: params.name, ...(params.arguments !== undefined ? { arguments: params.arguments } : {}), ...(params._meta ? { _meta: params._meta } : {}) };
  const record = await manager.create(taskCaller(session, rpc), "tools/call", stored, (params.task as { ttl?: unknown } | undefined)?.ttl);
  manager.execute(record, session, rpc.id, toolWork(tool, record, session, rpc.progressToken, rpc.extra));
  return { task: toWireTask(record) };
}

/** recoverToolTasks resumes tasks of resumable tools after a restart and fails the rest. */
export function recoverToolTasks(manager: TaskManager, tools: ReadonlyMap<string, ToolEntry>): Promise<{ resumed: number; failed: number }> {
  return manager.recover((t) => {
    const tool = t.method === "tools/call" ? tools.get(String(t.params.name)) : undefined;
    return tool?.resumable ? toolWork(tool, t, undefined) : undefined;
  });
}

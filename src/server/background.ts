/**
 * The hook behind `ctx.background()`: a 2026-07-28 call of a `deferTask` tool registers, for its request, how to
 * become a task; the handler calls it once its first asks are answered (tasks-extension.ts makes the task).
 */
import type { RequestContext } from "../jsonrpc/session.js";
import type { TaskControl } from "../tasks/types.js";
import type { TaskAsk } from "./tasks.js";

export type Become = () => Promise<{ control: TaskControl; ask: TaskAsk }>;

const hooks = new WeakMap<RequestContext, Become>();

export function setBackgroundHook(rpc: RequestContext, become: Become): void {
  hooks.set(rpc, become);
}

export function backgroundHook(rpc: RequestContext): Become | undefined {
  return hooks.get(rpc);
}

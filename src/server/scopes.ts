/**
 * Per-item scopes: what a request needs is the scopes of the item whose code it would run or whose output it
 * would return. The HTTP authenticator checks them before dispatch (so clients can step up on a 403), and the
 * server checks them again for any other transport that authenticates.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import { principalKey, type AuthInfo } from "../jsonrpc/transport.js";
import { findResource } from "./resources.js";
import type { ServerState } from "./state.js";

type Params = Record<string, unknown>;

/** The methods that reach a scoped item. */
export const SCOPED_METHODS: ReadonlySet<string> = new Set([
  "tools/call",
  "prompts/get",
  "resources/read",
  "resources/subscribe",
  "completion/complete",
  "tasks/get",
  "tasks/result",
  "tasks/cancel",
]);

/**
 * scopesFor: the tool of tools/call, the prompt of prompts/get, the resource or template of resources/read and
 * subscribe, the prompt or template a completion/complete refers to, and the tool of the caller's own task for
 * tasks/get, result and cancel. Empty for anything else.
 */
export function scopesFor(state: ServerState, method: string, params: Params, authInfo?: AuthInfo): string[] | Promise<string[]> {
  switch (method) {
    case "tools/call":
      return state.tools.get(params.name as string)?.scopes ?? [];
    case "prompts/get":
      return state.prompts.get(params.name as string)?.scopes ?? [];
    case "resources/read":
    case "resources/subscribe": {
      const found = findResource(state, params.uri as string);
      return found ? ("resource" in found ? found.resource.scopes : found.template.scopes) : [];
    }
    case "completion/complete": {
      const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
      if (ref?.type === "ref/prompt") return state.prompts.get(ref.name as string)?.scopes ?? [];
      if (ref?.type === "ref/resource")
        return state.templates.get(ref.uri as string)?.scopes ?? state.resources.get(ref.uri as string)?.scopes ?? [];
      return [];
    }
    case "tasks/get":
    case "tasks/result":
    case "tasks/cancel":
      return taskScopes(state, params.taskId, authInfo);
    default:
      return [];
  }
}

/** The scopes of the tool behind one of the caller's tasks; another owner's task needs none (it is "not found" anyway). */
async function taskScopes(state: ServerState, taskId: unknown, authInfo: AuthInfo | undefined): Promise<string[]> {
  const principal = authInfo && principalKey(authInfo);
  if (!state.tasks || typeof taskId !== "string" || !principal) return [];
  const task = await state.tasks.store.get(`principal:${principal}`, taskId);
  return task?.method === "tools/call" ? (state.tools.get(String(task.params.name))?.scopes ?? []) : [];
}

/** authorize refuses (-32600 forbidden, with data.requiredScopes) a request whose caller lacks the item's scopes. */
export async function authorize(state: ServerState, method: string, params: Params, auth: AuthInfo): Promise<void> {
  const missing = (await scopesFor(state, method, params, auth)).filter((s) => !auth.scopes.includes(s));
  if (missing.length)
    throw new ProtocolError(ErrorCode.InvalidRequest, `forbidden: "${method}" on this item needs the scope(s) ${missing.join(" ")}`, {
      requiredScopes: missing,
    });
}

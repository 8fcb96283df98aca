/**
 * subscriptions/listen (2026-07-28, basic/patterns/subscriptions.mdx): the one long-lived request of the new
 * revision. The server first acknowledges what it will send (the part of the filter it supports), then sends only
 * those notifications, each tagged with the listen request's id as its subscription id, until the client closes
 * the stream (HTTP) or cancels. Server-wide notices reach it through McpServer.notifySessions, so a cluster's
 * notices reach listeners on every node.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import { META, missingCapability } from "../protocol/modern.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { ServerSession } from "./session.js";
import type { ServerState } from "./state.js";
import { authorize } from "./scopes.js";
import { declaresTasks, TASKS_EXTENSION } from "./tasks-extension.js";

type Obj = Record<string, unknown>;

/** The most resources one listen may follow. */
const MAX_RESOURCE_SUBSCRIPTIONS = 1000;

export async function listen(params: Obj, rpc: RequestContext, session: ServerSession, state: ServerState): Promise<Obj> {
  const asked = params.notifications;
  if (typeof asked !== "object" || asked === null || Array.isArray(asked))
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      'invalid params: subscriptions/listen needs "notifications", an object saying what to send',
    );
  const a = asked as Obj;
  if (a.taskIds !== undefined && !declaresTasks(session))
    throw missingCapability({ extensions: { [TASKS_EXTENSION]: {} } }, `the "${TASKS_EXTENSION}" extension`);
  // Task status is not sent on listen streams yet: taskIds is left out of the acknowledgement, so clients poll.
  const caps = state.capabilities();
  const honored: Obj = {};
  if (a.toolsListChanged === true && caps.tools?.listChanged) honored.toolsListChanged = true;
  if (a.promptsListChanged === true && caps.prompts?.listChanged) honored.promptsListChanged = true;
  if (a.resourcesListChanged === true && caps.resources?.listChanged) honored.resourcesListChanged = true;
  let uris: Set<string> | undefined;
  if (a.resourceSubscriptions !== undefined) {
    if (!Array.isArray(a.resourceSubscriptions) || a.resourceSubscriptions.some((u) => typeof u !== "string"))
      throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: "resourceSubscriptions" must be an array of resource URIs');
    if (a.resourceSubscriptions.length > MAX_RESOURCE_SUBSCRIPTIONS)
      throw new ProtocolError(
        ErrorCode.InvalidParams,
        `invalid params: at most ${MAX_RESOURCE_SUBSCRIPTIONS} resourceSubscriptions per listen`,
      );
    if (caps.resources?.subscribe && a.resourceSubscriptions.length) {
      uris = new Set(a.resourceSubscriptions as string[]);
      // A caller hears of changes only to resources it may read (per-item scopes): the others are not honoured.
      const auth = rpc.extra?.authInfo;
      if (auth) for (const uri of [...uris]) await authorize(state, "resources/read", { uri }, auth).catch(() => uris!.delete(uri));
      honored.resourceSubscriptions = [...uris];
    }
  }
  const meta = { [META.subscriptionId]: rpc.id };
  rpc.notify("notifications/subscriptions/acknowledged", { _meta: meta, notifications: honored });
  session.listen = (notice) => {
    if (notice.kind === "list_changed") {
      if (honored[`${notice.list}ListChanged`]) rpc.notify(`notifications/${notice.list}/list_changed`, { _meta: meta });
    } else if (notice.kind === "resource_updated" && uris?.has(notice.uri)) {
      rpc.notify("notifications/resources/updated", { uri: notice.uri, _meta: meta });
    }
  };
  // It ends when the client goes (the stream closes, or a cancellation), or the server closes the session.
  return new Promise((resolve) => {
    const end = () => {
      session.listen = undefined;
      resolve({ resultType: "complete", _meta: meta });
    };
    if (rpc.signal.aborted) end();
    else rpc.signal.addEventListener("abort", end, { once: true });
  });
}

/**
 * The method table: for each MCP method, which side may send it and which schema definitions check its
 * params and result. The JSON-RPC layer dispatches on `method` first and validates once against the one
 * compiled validator this table names, instead of trying every message schema in turn.
 */
import * as V from "./generated/validators.js";
import type { CompiledValidator } from "./generated/validators.js";
import type { ProtocolVersion } from "./types.js";

export interface MethodSpec {
  /** Validator for `params`; absent params are checked as `{}`. */
  params: CompiledValidator;
  /** Validator for the result (requests only). */
  result?: CompiledValidator;
}

const empty = V.RequestParams;
const notif = V.NotificationParams;

/** Requests a client sends and a server handles. */
export const CLIENT_REQUESTS: Record<string, MethodSpec> = {
  initialize: { params: V.InitializeRequestParams, result: V.InitializeResult },
  ping: { params: empty, result: V.Result },
  "tools/list": { params: V.PaginatedRequestParams, result: V.ListToolsResult },
  "tools/call": { params: V.CallToolRequestParams, result: V.Result },
  "resources/list": { params: V.PaginatedRequestParams, result: V.ListResourcesResult },
  "resources/templates/list": { params: V.PaginatedRequestParams, result: V.ListResourceTemplatesResult },
  "resources/read": { params: V.ReadResourceRequestParams, result: V.ReadResourceResult },
  "resources/subscribe": { params: V.SubscribeRequestParams, result: V.Result },
  "resources/unsubscribe": { params: V.UnsubscribeRequestParams, result: V.Result },
  "prompts/list": { params: V.PaginatedRequestParams, result: V.ListPromptsResult },
  "prompts/get": { params: V.GetPromptRequestParams, result: V.GetPromptResult },
  "completion/complete": { params: V.CompleteRequestParams, result: V.CompleteResult },
  "logging/setLevel": { params: V.SetLevelRequestParams, result: V.Result },
  "tasks/get": { params: empty, result: V.GetTaskResult },
  "tasks/result": { params: empty, result: V.Result },
  "tasks/list": { params: V.PaginatedRequestParams, result: V.ListTasksResult },
  "tasks/cancel": { params: empty, result: V.CancelTaskResult },
};

/** Requests a server sends and a client handles. */
export const SERVER_REQUESTS: Record<string, MethodSpec> = {
  ping: { params: empty, result: V.Result },
  "sampling/createMessage": { params: V.CreateMessageRequestParams, result: V.Result },
  "elicitation/create": { params: V.ElicitRequestParams, result: V.ElicitResult },
  "roots/list": { params: empty, result: V.ListRootsResult },
  "tasks/get": { params: empty, result: V.GetTaskResult },
  "tasks/result": { params: empty, result: V.Result },
  "tasks/list": { params: V.PaginatedRequestParams, result: V.ListTasksResult },
  "tasks/cancel": { params: empty, result: V.CancelTaskResult },
};

/** Notifications either side may send (both directions share these shapes). */
export const NOTIFICATIONS: Record<string, MethodSpec> = {
  "notifications/initialized": { params: notif },
  "notifications/cancelled": { params: V.CancelledNotificationParams },
  "notifications/progress": { params: V.ProgressNotificationParams },
  "notifications/roots/list_changed": { params: notif },
  "notifications/tasks/status": { params: V.TaskStatusNotificationParams },
  "notifications/message": { params: V.LoggingMessageNotificationParams },
  "notifications/resources/updated": { params: V.ResourceUpdatedNotificationParams },
  "notifications/resources/list_changed": { params: notif },
  "notifications/tools/list_changed": { params: notif },
  "notifications/prompts/list_changed": { params: notif },
  "notifications/elicitation/complete": { params: notif },
};

const SPEC_METHODS = new Set([...Object.keys(CLIENT_REQUESTS), ...Object.keys(SERVER_REQUESTS), ...Object.keys(NOTIFICATIONS)]);

/** isSpecMethod tells whether the spec defines `name` as a request or notification (either direction): no extension may take it. */
export function isSpecMethod(name: string): boolean {
  return SPEC_METHODS.has(name);
}

/** MethodTables: every method one protocol revision defines, by direction, with its validators. */
export interface MethodTables {
  /** Requests a client sends and a server handles. */
  clientRequests: Readonly<Record<string, MethodSpec>>;
  /** Requests a server sends and a client handles. */
  serverRequests: Readonly<Record<string, MethodSpec>>;
  /** Notifications, either direction. */
  notifications: Readonly<Record<string, MethodSpec>>;
}

const TABLES_2025: MethodTables = { clientRequests: CLIENT_REQUESTS, serverRequests: SERVER_REQUESTS, notifications: NOTIFICATIONS };

/**
 * methodTables gives the tables a session speaking `version` checks messages against. Every revision Trellis
 * speaks today (2025-03-26 to 2025-11-25) shares the 2025-11-25 schema, since results for older clients are
 * downgraded rather than checked against their own schema. 2026-07-28 changes the method set (server/discover
 * and subscriptions/listen in, ping and logging/setLevel out), so it gets tables of its own here, generated from
 * its own schema, and callers need not change.
 */
export function methodTables(_version: ProtocolVersion): MethodTables {
  return TABLES_2025;
}

/** The result of any task-augmented request (params carry "task"): CreateTaskResult, not the method's own. */
export const CREATE_TASK_RESULT: CompiledValidator = V.CreateTaskResult;

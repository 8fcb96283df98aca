/**
 * The typed method maps: for each request, the shape of its params and of its result, so that
 * `client.request("tools/list", params)` is checked and returns ListToolsResult without a cast. Types only;
 * the validators that check the same shapes on the wire are in methods.ts.
 */
import type {
  CallToolRequestParams,
  CallToolResult,
  CancelTaskResult,
  CompleteRequestParams,
  CompleteResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateTaskResult,
  ElicitRequestParams,
  ElicitResult,
  EmptyResult,
  GetPromptRequestParams,
  GetPromptResult,
  GetTaskPayloadResult,
  GetTaskResult,
  InitializeRequestParams,
  InitializeResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListRootsResult,
  ListTasksResult,
  ListToolsResult,
  PaginatedRequestParams,
  ReadResourceRequestParams,
  ReadResourceResult,
  RequestParams,
  SetLevelRequestParams,
  SubscribeRequestParams,
  UnsubscribeRequestParams,
} from "./generated/schema-types.js";

type Method<P, R> = { params: P; result: R };
type TaskParams = RequestParams & { taskId: string };

/** Requests a client sends and a server answers. */
export interface ClientRequests {
  initialize: Method<InitializeRequestParams, InitializeResult>;
  ping: Method<RequestParams | undefined, EmptyResult>;
  "tools/list": Method<PaginatedRequestParams | undefined, ListToolsResult>;
  "tools/call": Method<CallToolRequestParams, CallToolResult | CreateTaskResult>;
  "resources/list": Method<PaginatedRequestParams | undefined, ListResourcesResult>;
  "resources/templates/list": Method<PaginatedRequestParams | undefined, ListResourceTemplatesResult>;
  "resources/read": Method<ReadResourceRequestParams, ReadResourceResult>;
  "resources/subscribe": Method<SubscribeRequestParams, EmptyResult>;
  "resources/unsubscribe": Method<UnsubscribeRequestParams, EmptyResult>;
  "prompts/list": Method<PaginatedRequestParams | undefined, ListPromptsResult>;
  "prompts/get": Method<GetPromptRequestParams, GetPromptResult>;
  "completion/complete": Method<CompleteRequestParams, CompleteResult>;
  "logging/setLevel": Method<SetLevelRequestParams, EmptyResult>;
  "tasks/get": Method<TaskParams, GetTaskResult>;
  "tasks/result": Method<TaskParams, GetTaskPayloadResult>;
  "tasks/list": Method<PaginatedRequestParams | undefined, ListTasksResult>;
  "tasks/cancel": Method<TaskParams, CancelTaskResult>;
}

/** Requests a server sends and a client answers. */
export interface ServerRequests {
  ping: Method<RequestParams | undefined, EmptyResult>;
  "sampling/createMessage": Method<CreateMessageRequestParams, CreateMessageResult | CreateTaskResult>;
  "elicitation/create": Method<ElicitRequestParams, ElicitResult | CreateTaskResult>;
  "roots/list": Method<RequestParams | undefined, ListRootsResult>;
  "tasks/get": Method<TaskParams, GetTaskResult>;
  "tasks/result": Method<TaskParams, GetTaskPayloadResult>;
  "tasks/list": Method<PaginatedRequestParams | undefined, ListTasksResult>;
  "tasks/cancel": Method<TaskParams, CancelTaskResult>;
}

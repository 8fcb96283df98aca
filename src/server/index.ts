/**
 * trellis-mcp/server: the server framework. Everything exported here is public API.
 * @module
 */
export { McpServer, type ServerOptions, type ConnectOptions, type RequestRecord, type ServerNotice } from "./server.js";
export { ServerSession } from "./session.js";
export {
  HandlerContext,
  type ElicitFormOptions,
  type ElicitUrlOptions,
  DEFAULT_ELICIT_TIMEOUT_MS,
  DEFAULT_SAMPLE_TIMEOUT_MS,
} from "./context.js";
export { TOOL_NAME, textResult, type ToolConfig, type ToolHandler, type ToolResult, type RegisteredTool } from "./tools.js";
export type {
  ResourceConfig,
  ResourceHandler,
  ResourceReadResult,
  ResourceTemplateConfig,
  ResourceTemplateHandler,
  RegisteredResource,
  Completer,
} from "./resources.js";
export type { PromptConfig, PromptArgumentConfig, PromptHandler, PromptResult, RegisteredPrompt } from "./prompts.js";
export { UriTemplate } from "./uri-template.js";
export {
  defineExtension,
  type ServerExtension,
  type ExtensionRegistrar,
  type ExtensionMethod,
  type ExtensionNotification,
  type ToolCall,
  type ToolCallHook,
  type ToolListHook,
} from "./extension.js";
export { EXTENSION_ID, type ExtensionSettings, type ExtensionsCapability } from "../protocol/extensions.js";
export type { TaskOptions } from "../tasks/types.js";
export { RELATED_TASK, TERMINAL_STATUSES } from "../protocol/tasks.js";
export type { TaskStore, TaskRecord, TaskStatus, TaskPage } from "../tasks/store.js";
export { MemoryTaskStore } from "../tasks/memory-store.js";
export { DEFAULT_PAGE_SIZE } from "./pagination.js";
export { LOG_LEVELS } from "./logging.js";
export type { SchemaInput, StandardSchemaV1 } from "../internal/schema.js";
export { ProtocolError, TrellisError, ErrorCode } from "../protocol/errors.js";

/**
 * trellis-mcp/client: the client library. Everything exported here is public API.
 * @module
 */
export { McpClient } from "./client.js";
export {
  UrlElicitationRequiredError,
  type ClientOptions,
  type CallOptions,
  type ClientHandlerContext,
  type SamplingHandler,
  type FormElicitationHandler,
  type UrlElicitationHandler,
  type UrlElicitation,
} from "./options.js";
export type { ClientRequests, ServerRequests } from "../protocol/method-types.js";
export { TaskHandle } from "./tasks.js";
export { defineClientExtension, type ClientExtension, type ClientExtensionRegistrar } from "./extension.js";
export { EXTENSION_ID, type ExtensionSettings, type ExtensionsCapability } from "../protocol/extensions.js";
export {
  StreamableHttpClientTransport,
  type StreamableHttpClientOptions,
  type ReconnectOptions,
} from "../transports/http-client/transport.js";
export { AuthorizationFailedError, type HttpClientAuth, type AuthRequest } from "../transports/http-client/auth.js";
export { ProtocolError, TrellisError, ErrorCode } from "../protocol/errors.js";

/**
 * trellis-mcp: protocol types and error classes. Runs anywhere; everything exported here is public API.
 * @module
 */
export { ErrorCode, ProtocolError, TrellisError, type TrellisErrorCode } from "./protocol/errors.js";
export { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type ProtocolVersion, type JsonRpcMessage } from "./protocol/types.js";
export type * from "./protocol/generated/schema-types.js";
export { negotiateVersion, isSupportedVersion } from "./protocol/versions.js";
export type { Transport, TransportEvents, SendOptions, MessageExtra, AuthInfo } from "./jsonrpc/transport.js";
export { MemoryTransport } from "./transports/memory.js";

/**
 * Protocol types. Every definition of the official 2025-11-25 schema is generated into
 * generated/schema-types.ts; this file re-exports them and adds the few shapes the schema leaves implicit.
 */
export type * from "./generated/schema-types.js";
import type { RequestId } from "./generated/schema-types.js";

export const LATEST_PROTOCOL_VERSION = "2025-11-25";
/** Revisions Trellis speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

/** A JSON-RPC message as it travels, before Trellis knows which kind it is. */
export interface JsonRpcRequestMessage {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotificationMessage {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResultMessage {
  jsonrpc: "2.0";
  id: RequestId;
  result: Record<string, unknown>;
}
/**
 * An error response. `id` is left out when the request's id could not be read: the 2025-11-25 schema makes it
 * optional there, and the official SDK 1.x client rejects `"id": null`.
 */
export interface JsonRpcErrorMessage {
  jsonrpc: "2.0";
  id?: RequestId;
  error: { code: number; message: string; data?: unknown };
}
export type JsonRpcMessage = JsonRpcRequestMessage | JsonRpcNotificationMessage | JsonRpcResultMessage | JsonRpcErrorMessage;

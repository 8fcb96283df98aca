/**
 * HttpReply: what the Streamable HTTP core hands a runtime adapter (a plain body, or an SSE channel to drain), and
 * the helpers that build one. Every error reply has a JSON-RPC error body that says what to change.
 */
import type { RequestId } from "../../protocol/generated/schema-types.js";
import type { SseChannel } from "./sse.js";

import { readCappedText } from "../../internal/body.js";
export type HttpReply = { status: number; headers: Record<string, string>; body?: string; sse?: SseChannel };

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
};
export const JSON_HEADERS: Readonly<Record<string, string>> = { "content-type": "application/json" };

/** errorReply is an HTTP error with a JSON-RPC error body; `id` is left out when the request's could not be read. */
export function errorReply(
  status: number,
  code: number,
  message: string,
  id?: RequestId | null,
  extraHeaders?: Record<string, string>,
  data?: unknown,
): HttpReply {
  const error = data === undefined ? { code, message } : { code, message, data };
  const body = id === undefined || id === null ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error };
  return { status, headers: { ...JSON_HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

export { BodyTooLargeError } from "../../internal/body.js";

/** readWebBody reads a web Request's body as text, refusing it past `limit` bytes without reading the rest. */
export function readWebBody(request: Request, limit: number): Promise<string> {
  return readCappedText(request.body, limit);
}

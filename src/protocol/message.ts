/**
 * The message classifier: what a parsed JSON value is, by shape alone, before any schema. The JSON-RPC session and
 * the Streamable HTTP handler both use it, so a message is judged by one set of rules wherever it arrives.
 * Classifying by `method` and `id` first is what lets the session validate once against the one schema a method
 * names, instead of trying every message schema in turn.
 */
import { ErrorCode } from "./errors.js";
import type { RequestId } from "./generated/schema-types.js";

type Params = Record<string, unknown>;

/** What classify makes of a message. */
export type Classified =
  | { kind: "request"; id: RequestId; method: string; params: Params }
  | { kind: "notification"; method: string; params: Params }
  | { kind: "response"; id: RequestId | null; message: Params }
  /** An error response with no id: an answer to something the peer could not read. Report it; never answer it. */
  | { kind: "orphan-error"; error: unknown }
  /** A notification whose params are not an object: dropped (a notification cannot be answered). */
  | { kind: "bad-notification"; method: string; reason: string }
  /** Not a usable message: answer with `code` and `message`, using `id` when it could be read. */
  | { kind: "invalid"; id?: RequestId; code: number; message: string };

/** isRequestId tells whether a value is a usable JSON-RPC id (MCP: a string or an integer; never null). */
export function isRequestId(id: unknown): id is RequestId {
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
}

function invalid(m: Params | undefined, code: number, message: string): Classified {
  const id = m?.id;
  return isRequestId(id) ? { kind: "invalid", id, code, message } : { kind: "invalid", code, message };
}

/** classify sorts one parsed message; it never throws. */
export function classify(raw: unknown): Classified {
  if (Array.isArray(raw))
    return invalid(
      undefined,
      ErrorCode.InvalidRequest,
      "invalid request: JSON-RPC batches are not supported since 2025-06-18; send one message at a time",
    );
  if (typeof raw !== "object" || raw === null)
    return invalid(undefined, ErrorCode.InvalidRequest, "invalid request: a JSON-RPC message must be an object");
  const m = raw as Params;
  if (m.jsonrpc !== "2.0") return invalid(m, ErrorCode.InvalidRequest, 'invalid request: "jsonrpc" must be "2.0"');
  const hasId = "id" in m;
  if ("method" in m) {
    const method = m.method;
    if (typeof method !== "string") return invalid(m, ErrorCode.InvalidRequest, 'invalid request: "method" must be a string');
    const params = m.params;
    if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params))) {
      if (!hasId) return { kind: "bad-notification", method, reason: `notification "${method}" has non-object params` };
      return invalid(m, ErrorCode.InvalidParams, `invalid params for "${method}": "params" must be an object`);
    }
    if (!hasId) return { kind: "notification", method, params: (params as Params | undefined) ?? {} };
    if (!isRequestId(m.id)) return invalid(undefined, ErrorCode.InvalidRequest, 'invalid request: "id" must be a string or an integer');
    return { kind: "request", id: m.id, method, params: (params as Params | undefined) ?? {} };
  }
  if (hasId && ("result" in m || "error" in m)) return { kind: "response", id: isRequestId(m.id) ? m.id : null, message: m };
  if ("error" in m && !("result" in m)) return { kind: "orphan-error", error: m.error };
  return invalid(m, ErrorCode.InvalidRequest, 'invalid request: a message needs "method", or "id" with "result" or "error"');
}

/**
 * Error codes and the three error families Trellis keeps apart:
 * - ProtocolError: travels on the wire as a JSON-RPC error (code, message, data);
 * - TrellisError: a local runtime failure with a string code, never sent as-is;
 * - misuse (bad arguments at registration) throws a TypeError with a `code`.
 */

/** JSON-RPC 2.0 and MCP error codes. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: a request timed out (the SDKs' convention). */
  RequestTimeout: -32001,
  /** MCP 2025-11-25 resources: the resource does not exist. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25 elicitation (SEP-1036): the request needs URL-mode elicitation first. */
  UrlElicitationRequired: -32042,
  /**
   * A request needs a client capability (or extension) the client did not declare; `data.requiredCapabilities`
   * names it. The code 2026-07-28 assigns (basic/index.mdx, "Error codes"); Trellis uses it for both revisions.
   */
  MissingRequiredClientCapability: -32021,
  /** Connection closed before a response arrived (local only: never sent to a peer). */
  ConnectionClosed: -32000,
  // Trellis's own codes, in the implementation-defined range that 2026-07-28 keeps open (-32000 to -32019). The
  // Streamable HTTP transport sends them with the HTTP status that says the same thing.
  /** Refused: a Host or Origin that is not allowed, or a caller short of scopes (HTTP 403). */
  Forbidden: -32010,
  /** The caller must authenticate first (HTTP 401). */
  Unauthorized: -32011,
  /** No such session (it ended or expired) or stream (HTTP 404). */
  NotFound: -32012,
  /** Too many requests from this caller: sessions (HTTP 429) or task operations. */
  RateLimited: -32013,
  /** The server cannot take more now (HTTP 503). */
  Unavailable: -32014,
} as const;

/**
 * A ProtocolError is a JSON-RPC error: it is what a peer sends back, or what a handler throws to make the
 * response an error with this code, message and data.
 */
export class ProtocolError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    if (data !== undefined) this.data = data;
  }
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** String codes of TrellisError: local failures that are not wire errors. */
export type TrellisErrorCode =
  | "NOT_CONNECTED"
  | "CONNECTION_CLOSED"
  | "REQUEST_TIMEOUT"
  | "REQUEST_CANCELLED"
  | "CAPABILITY_MISSING"
  | "REQUEST_FAILED"
  | "TRANSPORT_ERROR"
  | "INVALID_MESSAGE"
  /** A peer named a URL the client may not fetch (scheme, address, or redirect). */
  | "UNSAFE_URL"
  /** A peer's answer was larger than the client accepts. */
  | "RESPONSE_TOO_LARGE"
  /** Content a peer served does not match what it said about it (a digest, a size, a declared field). */
  | "VERIFICATION_FAILED"
  /** A shared store (Redis) cannot be reached now: the request may be retried (HTTP answers 503). */
  | "STORE_UNAVAILABLE"
  /** A fault inside Trellis or an application handler that has no better name (something threw a non-Error). */
  | "INTERNAL";

/** A TrellisError is a local runtime failure with a string code and, where there is one, a cause. */
export class TrellisError extends Error {
  readonly code: TrellisErrorCode;
  constructor(code: TrellisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TrellisError";
    this.code = code;
  }
}

/** A TypeError for API misuse, with a Node-style code. Thrown synchronously at registration or construction. */
export function misuse(message: string, code = "ERR_INVALID_ARG_VALUE"): TypeError {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  return err;
}

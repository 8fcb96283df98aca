/**
 * When the client's default ("auto") falls back from 2026-07-28 to initialize: decided by what the server's answer to
 * server/discover means, not by its code alone, since servers in the wild refuse an unknown revision in many ways.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";

/** HTTP statuses that say nothing about revisions: a sign-in, a proxy's sign-in, a timeout, a rate limit. */
const NOT_ABOUT_REVISIONS_STATUSES = new Set([401, 403, 407, 408, 429]);
/** HTTP statuses that, with no JSON-RPC answer, say the server does not know the request: method, path or format. */
const UNKNOWN_REQUEST = new Set([400, 404, 405, 406, 409, 410, 415, 422, 501]);

/**
 * JSON-RPC errors that say nothing about revisions: the server failed (-32603, -32001 its timeout), or refused the
 * caller (the codes Trellis servers send with 401, 403, 429 and 503).
 */
const NOT_ABOUT_REVISIONS_CODES = new Set<number>([
  ErrorCode.InternalError,
  ErrorCode.RequestTimeout,
  ErrorCode.Forbidden,
  ErrorCode.Unauthorized,
  ErrorCode.RateLimited,
  ErrorCode.Unavailable,
]);

/**
 * olderServer: does this failure of server/discover say the server speaks only older revisions? A server that speaks
 * 2026-07-28 answers server/discover with its result, so a refusal the server itself sends means it does not, whatever
 * its code: servers in the wild answer an unknown revision with -32601, -32600, -32602, -32022, or -32000 and a reason
 * of their own (fastmcp 4.x: HTTP 400, -32000, `server_missing_modern_protocol_support`). Also an HTTP 4xx without a
 * JSON-RPC answer that says the request is not known (400, 404, 405, ...), an answer that is not a discover result,
 * or (stdio) no answer in time.
 *
 * Not a refusal about authorization (401/403, or a failed sign-in: initialize would ask for a sign-in again), a rate
 * limit (429), a server or gateway failure (5xx but 501, -32603), or a transport failure (no HTTP answer, the process
 * gone): initialize would only fail again, and its error would hide this one.
 */
export function olderServer(err: Error): boolean {
  // No answer in time, or an answer that is not a discover result (a server that answers anything with `{}`).
  if (err instanceof TrellisError) return err.code === "REQUEST_TIMEOUT" || err.code === "INVALID_MESSAGE";
  if (!(err instanceof ProtocolError)) return false;
  const data = (typeof err.data === "object" && err.data !== null ? err.data : {}) as {
    httpStatus?: unknown;
    authorization?: unknown;
    local?: unknown;
  };
  if (data.authorization === true) return false;
  const status = typeof data.httpStatus === "number" ? data.httpStatus : undefined;
  if (status !== undefined && (NOT_ABOUT_REVISIONS_STATUSES.has(status) || (status >= 500 && status !== 501))) return false;
  // The transport's own failure: no JSON-RPC answer came, so only the HTTP status can tell.
  if (data.local === true) return status !== undefined && UNKNOWN_REQUEST.has(status);
  return !NOT_ABOUT_REVISIONS_CODES.has(err.code);
}

/**
 * What the Streamable HTTP client makes of a server's refusal (a non-2xx answer): the facts it adds to an error, kept
 * apart from what the server says, so that a caller can tell a server's own -32000 from this transport's and an
 * answer about authorization from one about revisions (src/client/fallback.ts reads them).
 */
import type { RequestId } from "../../protocol/generated/schema-types.js";
import { readCappedText } from "../../internal/body.js";

/** How much of a refusal's body is read: enough for a JSON-RPC error or the start of an error page. */
const MAX_REFUSAL_BODY = 64 * 1024;

/** refusalBody reads what a non-2xx answer says, quoted, never held whole: a hostile or broken server may send any amount. */
export function refusalBody(res: Response): Promise<string> {
  return readCappedText(res.body, MAX_REFUSAL_BODY, { truncate: true }).catch(() => "");
}

/** What a request failed by this transport (not answered by the server) says in its error's data, beside `local: true`. */
export interface LocalFailure {
  /** The HTTP status the server answered with, when it answered at all. */
  httpStatus?: number;
  /** The status was 401/403, or a sign-in failed: the failure is about authorization. */
  authorization?: boolean;
}

type ErrorAnswer = { jsonrpc: "2.0"; id: RequestId; error: { code: number; message: string; data?: unknown } };

/**
 * errorAnswer reads an HTTP error body as the server's JSON-RPC error for request `id` (or for no id: one request per
 * POST, so a null id can only be about this one), with `httpStatus` (and `authorization` for 401/403) in its data.
 * Those facts are this transport's alone: what the server put under those names (or `local`) is dropped, and data
 * that is not an object is kept under `value`. Undefined for any other body.
 */
export function errorAnswer(body: string, id: RequestId, status: number): ErrorAnswer | undefined {
  let parsed: { id?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || (parsed.id !== id && parsed.id !== null)) return undefined;
  const e = parsed.error;
  if (typeof e !== "object" || e === null || typeof e.code !== "number" || !Number.isInteger(e.code)) return undefined;
  const own = { httpStatus: status, ...(status === 401 || status === 403 ? { authorization: true } : {}) };
  let data: Record<string, unknown> = own;
  if (typeof e.data === "object" && e.data !== null && !Array.isArray(e.data)) {
    const { httpStatus: _s, authorization: _a, local: _l, ...rest } = e.data as Record<string, unknown>;
    data = { ...rest, ...own };
  } else if (e.data !== undefined) data = { value: e.data, ...own };
  return { jsonrpc: "2.0", id, error: { code: e.code, message: typeof e.message === "string" ? e.message : "", data } };
}

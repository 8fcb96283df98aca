/** HttpRequestLike: the part of an HTTP request the Streamable HTTP core reads, so that thin shims can feed it. */
import type { AuthInfo } from "../../jsonrpc/transport.js";

export interface HttpRequestLike {
  method: string;
  /** A header value by lower-case name, or null. */
  header(name: string): string | null;
  /** The body as text; rejects with BodyTooLargeError past `limit` bytes. */
  readBody(limit: number): Promise<string>;
  /** Headers as a web Headers object, made on demand for handlers that want them. */
  headers?(): Headers;
  /** The caller, once an authenticator (or a layer in front) has verified one. */
  authInfo?: AuthInfo;
  /** The request URL (path and query). */
  url?: string;
  /** The peer's address, for limits kept per client when there is no authenticated principal. */
  remoteAddress?: string;
  /** Aborted when the client goes away before the reply is done (2026-07-28: that cancels the request). */
  readonly signal?: AbortSignal;
}

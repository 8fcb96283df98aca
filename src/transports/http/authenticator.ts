/**
 * HttpAuthenticator: how authentication plugs into the Streamable HTTP handler. The handler knows nothing of
 * OAuth; it asks the authenticator about each request before reading it, and about each JSON-RPC request before
 * dispatching it. trellis-mcp/auth's `bearerAuth()` (an OAuth 2.1 resource server) is one.
 */
import type { AuthInfo } from "../../jsonrpc/transport.js";
import type { HttpRequestLike } from "./request.js";
import type { HttpReply } from "./reply.js";

/**
 * ScopeLookup tells what a request needs (the scopes of the item it reaches); the handler supplies the server's,
 * so an authenticator never reaches into the server itself.
 */
export type ScopeLookup = (method: string, params: Record<string, unknown>, caller: AuthInfo) => string[] | Promise<string[]>;

export interface HttpAuthenticator {
  /**
   * authenticate looks at a request before anything else reads it: it resolves with the caller, or with the reply
   * that refuses the request (401, 400, 403 with their challenge). It is called once per HTTP request.
   */
  authenticate(req: HttpRequestLike): Promise<AuthInfo | HttpReply>;
  /**
   * authorize checks one JSON-RPC request of an authenticated caller before dispatch, so that a client can step up
   * on the answer: undefined lets it through, a reply (403 insufficient_scope) refuses it.
   */
  authorize?(caller: AuthInfo, method: string, params: Record<string, unknown>, scopesFor: ScopeLookup): Promise<HttpReply | undefined>;
  /** A public document to serve at these paths without authentication (RFC 9728 Protected Resource Metadata). */
  wellKnown?(): { paths: string[]; document: Record<string, unknown> } | undefined;
}

/** isAuthenticator tells an HttpAuthenticator from a plain options object (the old `auth: { verifier, ... }`). */
export function isAuthenticator(value: unknown): value is HttpAuthenticator {
  return typeof (value as HttpAuthenticator | undefined)?.authenticate === "function";
}

/**
 * MountedAuthServer: an authorization server that serveHttp serves beside the MCP endpoint (`authServer`), such
 * as trellis-mcp/auth-server's AuthorizationServer. `mount` is called once the listener's URL is known, with the
 * MCP endpoint's URL (the resource), and returns the authenticator that protects it with this server's tokens.
 */
export interface MountedAuthServer {
  mount(resource: string): HttpAuthenticator;
  handles(pathname: string): boolean;
  fetch(request: Request): Promise<Response>;
}

/**
 * The transport seam. A Transport moves whole JSON-RPC messages; ids, cancellation, timeouts and sessions
 * live above it in jsonrpc/. Keeping the seam this small makes a custom transport a few dozen lines.
 */
import type { JsonRpcMessage } from "../protocol/types.js";
import type { RequestId } from "../protocol/generated/schema-types.js";

/** AuthInfo describes the authenticated caller of a request, when the transport authenticates. */
export interface AuthInfo {
  token: string;
  /** The issuer that vouches for the caller (the token's `iss`), when known. */
  issuer?: string;
  clientId?: string;
  subject?: string;
  scopes: string[];
  expiresAt?: number;
  /** The thumbprint of the key the token is bound to (its `cnf.jkt`, RFC 9449): it is only good with a DPoP proof by that key. */
  dpopThumbprint?: string;
  extra?: Record<string, unknown>;
}

/**
 * principalKey names the caller that sessions and tasks belong to: the issuer, the kind of claim and its value,
 * encoded so that no two differ only in where one ends (a token with `client_id` "alice" and no `sub` is not the
 * user "alice", and "alice" at one issuer is not "alice" at another). The token itself is never part of it.
 * Undefined when the token names no subject and no client: such a token identifies no one.
 */
export function principalKey(auth: AuthInfo): string | undefined {
  if (typeof auth.subject === "string" && auth.subject !== "") return JSON.stringify([auth.issuer ?? null, "sub", auth.subject]);
  if (typeof auth.clientId === "string" && auth.clientId !== "") return JSON.stringify([auth.issuer ?? null, "client", auth.clientId]);
  return undefined;
}

/** MessageExtra is what a transport knows about one incoming message beyond its JSON. */
export interface MessageExtra {
  authInfo?: AuthInfo;
  /** The peer's network address (Streamable HTTP), for limits kept per client when there is no principal. */
  remoteAddress?: string;
  /** Headers of the HTTP request that carried the message (Streamable HTTP only). */
  headers?: Headers;
  /** Closes the SSE stream that carries this request's replies, for SEP-1699 polling (Streamable HTTP only). */
  closeStream?: () => void;
}

/** SendOptions route an outgoing message. */
export interface SendOptions {
  /**
   * The incoming request this message belongs to (its response, or a notification or request sent while
   * handling it). Streamable HTTP sends it on that request's stream; other transports ignore it.
   */
  relatedRequestId?: RequestId;
  /**
   * A key that makes a server-wide notification go out once per session however many processes send it (a
   * clustered Streamable HTTP transport skips a second send under the same key); other transports ignore it.
   */
  once?: string;
  /** HTTP headers to send with this message (2026-07-28's Mcp-Param-* headers); transports without headers ignore them. */
  headers?: Record<string, string>;
}

/** TransportEvents are the callbacks a session gives a transport when it starts it. */
export interface TransportEvents {
  /** A parsed message arrived. It is unchecked: the session validates it. */
  message(message: unknown, extra?: MessageExtra): void;
  /** Bytes arrived that are not JSON. The session answers with a -32700 parse error. */
  parseError(detail: string): void;
  /**
   * The transport closed. Called at most once. `reason` says why when the connection ended without either side
   * asking (a server process that exited: its exit code and last lines on stderr), so that the requests still
   * waiting fail with it instead of a bare "connection closed".
   */
  close(reason?: Error): void;
  /** A transport-level failure that did not close the transport. */
  error(error: Error): void;
}

/**
 * A Transport carries JSON-RPC messages between two peers.
 *
 * Contract: `start` is called exactly once, before any `send`. `send` never throws for a peer's fault;
 * after close it drops the message. `close` is idempotent and calls `events.close` once.
 */
export interface Transport {
  start(events: TransportEvents): void;
  send(message: JsonRpcMessage, options?: SendOptions): void;
  close(): Promise<void>;
  /**
   * settle tells the transport that no response will be sent for incoming request `id` (it was cancelled),
   * so that a transport holding a reply open for it (Streamable HTTP) can end it. Optional.
   */
  settle?(id: RequestId): void;
  /** The session id, for transports that have one (Streamable HTTP). */
  readonly sessionId?: string;
  /**
   * Where set, ids of requests sent on this transport start with it (strings instead of numbers): a clustered
   * transport names its process here, so that an answer arriving at another process can be routed back.
   */
  readonly requestIdPrefix?: string;
  /**
   * True where the peer answers every request at the transport level (an HTTP status), so silence is never its
   * answer: a client then need not time out a probe (and a sign-in may take as long as a person needs).
   */
  readonly answersEveryRequest?: boolean;
}

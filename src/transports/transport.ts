/**
 * The transport seam. A Transport moves whole JSON-RPC messages; ids, cancellation, timeouts and sessions
 * live above it in jsonrpc/. Keeping the seam this small makes a custom transport a few dozen lines.
 */
import type { JsonRpcMessage } from "../protocol/types.js";
import type { RequestId } from "../protocol/generated/schema-types.js";

/** AuthInfo describes the authenticated caller of a request, when the transport authenticates. */
export interface AuthInfo {
  token: string;
  clientId?: string;
  subject?: string;
  scopes: string[];
  expiresAt?: number;
  extra?: Record<string, unknown>;
}

/** MessageExtra is what a transport knows about one incoming message beyond its JSON. */
export interface MessageExtra {
  authInfo?: AuthInfo;
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
}

/** TransportEvents are the callbacks a session gives a transport when it starts it. */
export interface TransportEvents {
  /** A parsed message arrived. It is unchecked: the session validates it. */
  message(message: unknown, extra?: MessageExtra): void;
  /** Bytes arrived that are not JSON. The session answers with a -32700 parse error. */
  parseError(detail: string): void;
  /** The transport closed. Called at most once. */
  close(): void;
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
}

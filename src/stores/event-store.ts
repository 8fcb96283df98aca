/**
 * EventStore: the log behind resumable SSE streams (transports.mdx, "Resumability and Redelivery"). The
 * Streamable HTTP transport numbers every event; while a stream is open it replays from its own memory, and
 * it writes a stream here when the stream ends while its client is away (cut, or closed for polling), so
 * that a client coming back with Last-Event-ID still receives exactly what it missed.
 *
 * Implementations must keep events of one stream in `seq` order and must scope every read by session, so
 * that one session can never replay another's stream. The transport may never call `deleteSession` (a
 * process can die first), so stores also expire old events on their own after `retentionMs`.
 */
import type { JsonRpcMessage } from "../protocol/types.js";

export interface StoredEvent {
  seq: number;
  message: JsonRpcMessage;
}

export interface EventStore {
  /** append records message number `seq` of `streamId`, owned by `sessionId`. */
  append(sessionId: string, streamId: string, seq: number, message: JsonRpcMessage): void | Promise<void>;
  /**
   * replay returns the events of `streamId` after `afterSeq`, or undefined when the stream is unknown or
   * belongs to another session.
   */
  replay(sessionId: string, streamId: string, afterSeq: number): StoredEvent[] | undefined | Promise<StoredEvent[] | undefined>;
  /** deleteSession forgets every stream of a session. */
  deleteSession(sessionId: string): void | Promise<void>;
  /** close releases resources (timers, database handles). */
  close?(): void | Promise<void>;
}

/** DEFAULT_EVENT_RETENTION_MS is how long stores keep events: 15 minutes. */
export const DEFAULT_EVENT_RETENTION_MS = 15 * 60_000;

/**
 * Cluster: what the processes ("nodes") serving one MCP server share so that any node can serve any request of
 * any session (scale-out behind a round-robin balancer, no stickiness). Two things cross nodes:
 *
 * - Messages between nodes: the client's answer to a server-to-client request lands on whichever node the
 *   balancer picked, and must reach the node whose handler waits for it (`send`); a session ended or changed on
 *   one node, and server-wide notifications, concern every node (`broadcast`). Delivery is at most once, in
 *   order per sender, to nodes that have joined; `alive` tells whether a node still beats.
 * - Shared SSE streams: every event of a stream is appended to a log that outlives its writer and is published
 *   to the stream's watchers in the same order, so a client that resumes with Last-Event-ID on another node gets
 *   exactly what it missed and then the rest live. A request's stream has one writer (the node running the
 *   handler) that numbers its events; the session's standalone (GET) stream has many, so the log numbers them.
 *
 * Contract (test/stores/cluster-contract.ts, run by every backend): appends to one stream are seen by `read`
 * and `watch` in seq order; `read` is scoped by session (another session's stream is undefined); an append
 * with a `once` key already used for that session is skipped; logs expire after their retention.
 */

/** One event of a shared stream: `data` is a JSON-RPC message as JSON, or "" for the end of the stream. */
export interface ClusterEvent {
  seq: number;
  data: string;
}

/** What a node knows of a shared stream. */
export interface SharedStream {
  /** Events after the requested seq, in order (the end marker left out). */
  events: ClusterEvent[];
  /** The stream has ended: its writer sent the last event (a response) or gave up on it. */
  ended: boolean;
  /** The node that writes the stream (request streams), to tell a live writer from a dead one. */
  writer?: string;
  /** The JSON-RPC request the stream answers (request streams). */
  requestId?: string | number;
  /** The last seq a reader has confirmed delivering (standalone streams; see `delivered`). */
  delivered: number;
}

/** How an event is appended: numbered by its writer (`seq`), and skipped when its `once` key was used for the session. */
export interface AppendOptions {
  seq?: number;
  once?: string;
  /** A request stream's writer and request, recorded with its events too, in case its record expired while quiet. */
  writer?: string;
  requestId?: string | number;
}

/** A message between nodes: a small JSON object with a `type`. */
export type ClusterMessage = { type: string } & Record<string, unknown>;

export interface Cluster {
  /** This node's id: unique in the cluster, chosen at construction. */
  readonly nodeId: string;
  /** Whether the shared backend is reachable now; requests are refused with 503 while it is not. */
  readonly available: boolean;
  /** join starts this node's heartbeat and delivers to `inbox` every message sent to it or broadcast. */
  join(inbox: (message: ClusterMessage) => void): Promise<void>;
  /** send delivers a message to one node's inbox (dropped when that node is gone). */
  send(nodeId: string, message: ClusterMessage): Promise<void>;
  /** broadcast delivers a message to every node's inbox, this one's included. */
  broadcast(message: ClusterMessage): Promise<void>;
  /** alive tells whether a node has beaten within its heartbeat's lifetime. */
  alive(nodeId: string): Promise<boolean>;
  /** open records a request stream of `sessionId` before its first event: who writes it, and which request it answers. */
  open(sessionId: string, streamId: string, meta: { writer: string; requestId: string | number }): Promise<void>;
  /**
   * append adds an event to a stream and publishes it to the stream's watchers, in the order of appends. With
   * `seq`, the writer numbers the event; without, the log numbers it above the last and above any number it gave
   * before the stream expired (from a clock), so a reader never mistakes a new event for one it saw. With `once`, an
   * append whose key this session already used is skipped (undefined). A stream keeps its newest 10 000 events.
   * Returns the event's seq.
   */
  append(sessionId: string, streamId: string, data: string, options?: AppendOptions): Promise<number | undefined>;
  /** read returns what follows `afterSeq` on a stream, or undefined when the stream is unknown or another session's. */
  read(sessionId: string, streamId: string, afterSeq: number): Promise<SharedStream | undefined>;
  /**
   * watch calls `listener` with each event appended to the stream from now on, with `{ seq: 0, data: reader }`
   * when another reader claims it (`claim`), and with `{ seq: -1 }` when events may have been missed (the backend
   * reconnected): read the log again. Resolves once watching has begun; call the result to stop.
   */
  watch(streamId: string, listener: (event: ClusterEvent) => void): Promise<() => Promise<void>>;
  /** claim tells the stream's watchers that `reader` now reads it, so that an older reader can step aside. */
  claim(streamId: string, reader: string): Promise<void>;
  /** delivered records that a reader wrote the stream's events up to `seq` to its client. */
  delivered(sessionId: string, streamId: string, seq: number): Promise<void>;
  /** deleteSession forgets every shared stream of a session. */
  deleteSession(sessionId: string): Promise<void>;
  /** leave stops the heartbeat and the inbox, and releases connections. */
  leave(): Promise<void>;
}

/** DEFAULT_HEARTBEAT_MS is how often a node beats; a node silent for three beats is dead. */
export const DEFAULT_HEARTBEAT_MS = 1000;

/** newNodeId: 48 random bits, hex, enough to never meet another node of one cluster. */
export const newNodeId = (): string => crypto.randomUUID().replace(/-/g, "").slice(0, 12);

/**
 * HttpSessionTransport: the Transport of one Streamable HTTP session. It routes each outgoing message to
 * the stream it belongs to (the POST that carried its request, or the standalone GET stream), numbers
 * stream events for Last-Event-ID resumption, and decides per request between a JSON reply and SSE.
 */
import type { JsonRpcMessage } from "../../protocol/types.js";
import type { RequestId } from "../../protocol/generated/schema-types.js";
import type { EventStore } from "../../stores/event-store.js";
import type { Cluster } from "../../stores/cluster.js";
import type { SendOptions, Transport, TransportEvents } from "../../jsonrpc/transport.js";
import { formatEvent, SseChannel } from "./sse.js";
import { ErrorCode, TrellisError } from "../../protocol/errors.js";
import { errorReply, JSON_HEADERS, SSE_HEADERS, type HttpReply } from "./reply.js";
import { readShared, standaloneStreamId } from "./shared-streams.js";

export type ResponseMode = "auto" | "sse" | "json";

/** MAX_STANDALONE_LOG is how many events of the standalone GET stream are kept in memory for replay. */
const MAX_STANDALONE_LOG = 1000;
/**
 * MAX_REQUEST_LOG is how many events of one request's stream are kept for replay: a handler that sends more
 * while its client is away loses the oldest, rather than the process growing without bound.
 */
const MAX_REQUEST_LOG = 10_000;
/** MAX_BACKLOG is how many messages wait for a standalone GET stream that is not connected. */
const MAX_BACKLOG = 100;

interface OutStream {
  id: string;
  requestId?: RequestId;
  seq: number;
  mode: "pending" | "json" | "sse";
  sink?: SseChannel;
  /** Events of this stream, kept for replay while it is live. */
  log: { seq: number; data: string }[];
  decide?: (reply: HttpReply) => void;
  done: boolean;
}

export interface HttpSessionConfig {
  responseMode: ResponseMode;
  eventStore?: EventStore;
  retryMs: number;
  /** Sends the priming event only to clients that understand an empty data field (2025-11-25). */
  primeStreams: () => boolean;
  /**
   * The cluster this node belongs to (scale-out): request streams are written through to it as they go, so that
   * any node can resume them, and the standalone stream is the session's shared one, whichever node holds the GET.
   */
  cluster?: Cluster;
  onerror?: (e: Error) => void;
}

const newStreamId = () => crypto.randomUUID().replace(/-/g, "");

export class HttpSessionTransport implements Transport {
  readonly sessionId?: string;
  readonly #config: HttpSessionConfig;
  #events?: TransportEvents;
  readonly #byRequest = new Map<RequestId, OutStream>();
  readonly #byStream = new Map<string, OutStream>();
  #standalone?: OutStream;
  #backlog: JsonRpcMessage[] = [];
  #closed = false;
  lastSeen = Date.now();
  /** Owner of the session (the authenticated principal), checked on every request. */
  owner?: string;
  /** In a cluster, ids of requests this node sends name the node, so that an answer landing elsewhere finds its way back. */
  readonly requestIdPrefix?: string;
  /** The shared standalone stream's GET held by this node, if any (cluster). */
  #sharedGet?: SseChannel;
  /** Shared streams this node reads for its clients (cluster). */
  readonly #readers = new Set<SseChannel>();

  constructor(sessionId: string | undefined, config: HttpSessionConfig) {
    this.sessionId = sessionId;
    this.#config = config;
    if (config.cluster && sessionId) this.requestIdPrefix = `${config.cluster.nodeId}.`;
  }

  /** The cluster, for a session that has an id (a stateless request's throwaway session shares nothing). */
  get #cluster(): Cluster | undefined {
    return this.sessionId ? this.#config.cluster : undefined;
  }

  /** Cluster writes not yet acknowledged, so that a reply can wait for what was sent before it. */
  readonly #writes = new Set<Promise<unknown>>();

  /** Runs a cluster write whose failure has no caller to report to. */
  #shared(op: (c: Cluster, sessionId: string) => Promise<unknown>): void {
    const c = this.#cluster;
    if (!c) return;
    const w = op(c, this.sessionId!).catch((e: Error) => this.#config.onerror?.(e));
    this.#writes.add(w);
    void w.finally(() => this.#writes.delete(w));
  }

  /** flushShared resolves once every cluster write issued so far has reached the backend (at once without a cluster). */
  flushShared(): Promise<unknown> {
    return this.#writes.size === 0 ? Promise.resolve() : Promise.all([...this.#writes]);
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(events: TransportEvents): void {
    this.#events = events;
  }

  /** deliver hands an incoming message to the session. */
  deliver(message: unknown, extra?: Parameters<TransportEvents["message"]>[1]): void {
    this.lastSeen = Date.now();
    this.#events?.message(message, extra);
  }

  /** How many requests of this session are in flight here. */
  get inFlight(): number {
    return this.#byRequest.size;
  }

  /** hasRequest tells whether a request with this id is still open on this session. */
  hasRequest(id: RequestId): boolean {
    return this.#byRequest.has(id);
  }

  /**
   * openRequest registers a POSTed request and returns the reply promise, settled when its first outgoing
   * message (or its cancellation) decides between JSON and SSE.
   */
  openRequest(id: RequestId): { reply: Promise<HttpReply>; closeStream: () => void } {
    const st: OutStream = { id: newStreamId(), requestId: id, seq: 0, mode: "pending", log: [], done: false };
    const reply = new Promise<HttpReply>((resolve) => (st.decide = resolve));
    this.#byRequest.set(id, st);
    this.#byStream.set(st.id, st);
    return { reply, closeStream: () => this.#closeForPolling(st) };
  }

  send(message: JsonRpcMessage, options?: SendOptions): void {
    if (this.#closed) return;
    const isResponse = !("method" in message);
    const rid = (isResponse ? (message as { id?: RequestId }).id : undefined) ?? options?.relatedRequestId;
    const st = rid !== undefined ? this.#byRequest.get(rid) : undefined;
    if (!st) {
      if (isResponse)
        this.#config.onerror?.(
          new TrellisError("TRANSPORT_ERROR", `dropped a response for request ${JSON.stringify(rid)}: its HTTP request is gone`),
        );
      else this.#sendStandalone(message, options?.once);
      return;
    }
    if (st.mode === "pending") {
      if (isResponse && this.#config.responseMode !== "sse") {
        this.#finish(st);
        st.decide!({ status: 200, headers: JSON_HEADERS as Record<string, string>, body: JSON.stringify(message) });
        return;
      }
      if (!isResponse && this.#config.responseMode === "json") return this.#sendStandalone(message, options?.once);
      this.#upgrade(st);
    }
    this.#emit(st, message);
    if (isResponse) {
      this.#finish(st);
      this.#endShared(st);
      this.#persist(st);
      st.sink?.end();
    }
  }

  settle(id: RequestId): void {
    const st = this.#byRequest.get(id);
    if (!st) return;
    this.#finish(st);
    if (st.mode === "pending") st.decide!({ status: 202, headers: {} });
    else {
      this.#endShared(st);
      st.sink?.end();
    }
  }

  /** Switches a pending request to an SSE reply, with a priming event when the client understands one. */
  #upgrade(st: OutStream): void {
    st.mode = "sse";
    const requestId = st.requestId;
    if (requestId !== undefined) this.#shared((c, sid) => c.open(sid, st.id, { writer: c.nodeId, requestId }));
    const sink = this.#attach(st);
    if (this.#config.primeStreams()) sink.write(formatEvent(`${st.id}_0`, "", this.#config.retryMs));
    st.decide!({ status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink });
  }

  #emit(st: OutStream, message: JsonRpcMessage): void {
    const seq = ++st.seq;
    const data = JSON.stringify(message);
    st.log.push({ seq, data });
    if (st.log.length > (st.requestId === undefined ? MAX_STANDALONE_LOG : MAX_REQUEST_LOG)) st.log.shift();
    st.sink?.write(formatEvent(`${st.id}_${seq}`, data));
    const requestId = st.requestId;
    this.#shared((c, sid) => c.append(sid, st.id, data, { seq, writer: c.nodeId, requestId }));
  }

  /** The last event of a shared request stream: readers elsewhere stop waiting for more. */
  #endShared(st: OutStream): void {
    const seq = st.seq + 1;
    this.#shared((c, sid) => c.append(sid, st.id, "", { seq }));
  }

  /**
   * A live stream replays from its own log; the event store is only for streams that end while their client
   * is away (cut, or closed for polling), so that it can still collect the tail. Writing only then keeps the
   * common path free of store writes and the heap flat.
   */
  #persist(st: OutStream): void {
    if (!this.sessionId || !this.#config.eventStore || this.#cluster || (st.sink && !st.sink.ended)) return;
    for (const e of st.log) {
      try {
        const r = this.#config.eventStore.append(this.sessionId, st.id, e.seq, JSON.parse(e.data));
        if (r instanceof Promise) r.catch((err: Error) => this.#config.onerror?.(err));
      } catch (err) {
        this.#config.onerror?.(err as Error);
      }
    }
  }

  #finish(st: OutStream): void {
    st.done = true;
    if (st.requestId !== undefined) this.#byRequest.delete(st.requestId);
    this.#byStream.delete(st.id);
  }

  /** SEP-1699: end the response now; the client comes back with Last-Event-ID for the rest. */
  #closeForPolling(st: OutStream): void {
    if (st.done) return;
    if (st.mode === "pending") this.#upgrade(st);
    const sink = st.sink;
    st.sink = undefined;
    sink?.write(`retry: ${this.#config.retryMs}\n\n`);
    sink?.end();
  }

  #sendStandalone(message: JsonRpcMessage, once?: string): void {
    if (this.#cluster) {
      // The session's shared stream: whichever node holds its GET, now or later, delivers it.
      const data = JSON.stringify(message);
      return this.#shared((c, sid) => c.append(sid, standaloneStreamId(sid), data, { once }));
    }
    const st = this.#standalone;
    if (st?.sink && !st.sink.ended) return this.#emit(st, message);
    this.#backlog.push(message);
    if (this.#backlog.length > MAX_BACKLOG) this.#backlog.shift();
  }

  /**
   * openShared serves a GET of the shared standalone stream (cluster), from `afterSeq` (Last-Event-ID) or from
   * where the last reader stopped. The newest GET wins: an older one, on this node or another, is ended.
   */
  async openShared(afterSeq = -1): Promise<HttpReply> {
    const c = this.#cluster!;
    const sessionId = this.sessionId!;
    this.#sharedGet?.end();
    const sink = await readShared(c, sessionId, standaloneStreamId(sessionId), afterSeq, {
      checkWriterMs: 1000,
      primeRetryMs: this.#config.primeStreams() ? this.#config.retryMs : undefined,
      onerror: this.#config.onerror,
    });
    this.#sharedGet = sink;
    return { status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink };
  }

  /** openStandalone serves a GET without Last-Event-ID; undefined when one is already connected. */
  openStandalone(): HttpReply | undefined {
    if (this.#standalone?.sink && !this.#standalone.sink.ended) return undefined;
    const st: OutStream = this.#standalone ?? { id: newStreamId(), seq: 0, mode: "sse", log: [], done: false };
    this.#standalone = st;
    this.#byStream.set(st.id, st);
    const sink = this.#attach(st);
    if (this.#config.primeStreams()) sink.write(formatEvent(`${st.id}_0`, "", this.#config.retryMs));
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const m of backlog) this.#emit(st, m);
    return { status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink };
  }

  #attach(st: OutStream): SseChannel {
    const sink = new SseChannel();
    st.sink = sink;
    sink.ondetach = () => {
      if (st.sink === sink) st.sink = undefined;
    };
    return sink;
  }

  /**
   * resume serves a GET with Last-Event-ID: replay what followed that event on its stream, then keep
   * streaming live if the stream is still open. Undefined when the id names no stream of this session.
   */
  async resume(lastEventId: string): Promise<HttpReply | undefined> {
    const cut = lastEventId.lastIndexOf("_");
    const streamId = lastEventId.slice(0, cut);
    const after = Number(lastEventId.slice(cut + 1));
    if (cut <= 0 || !Number.isSafeInteger(after) || after < 0) return undefined;
    const live = this.#byStream.get(streamId);
    if (live) {
      if (live.sink && !live.sink.ended) live.sink.end();
      const sink = this.#attach(live);
      for (const e of live.log) if (e.seq > after) sink.write(formatEvent(`${streamId}_${e.seq}`, e.data));
      if (live.done) sink.end();
      return { status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink };
    }
    const c = this.#cluster;
    if (c) {
      if (streamId === standaloneStreamId(this.sessionId!)) return this.openShared(after);
      const sink = await readShared(c, this.sessionId!, streamId, after, { checkWriterMs: 1000, onerror: this.#config.onerror });
      if (!sink) return undefined;
      // Ended with the session here, so that a reader is never left open on a session this node dropped.
      this.#readers.add(sink);
      sink.onend = ((prev) => () => {
        this.#readers.delete(sink);
        prev?.();
      })(sink.onend);
      return { status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink };
    }
    if (!this.sessionId || !this.#config.eventStore) return undefined;
    const events = await this.#config.eventStore.replay(this.sessionId, streamId, after);
    if (!events) return undefined;
    const sink = new SseChannel();
    for (const e of events) sink.write(formatEvent(`${streamId}_${e.seq}`, JSON.stringify(e.message)));
    sink.end();
    return { status: 200, headers: SSE_HEADERS as Record<string, string>, sse: sink };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const st of this.#byRequest.values()) {
      if (st.mode === "pending") st.decide!(errorReply(404, ErrorCode.NotFound, "session terminated", st.requestId));
      else {
        // A client reading this stream on another node must not wait for an answer that will never come.
        const error = {
          jsonrpc: "2.0" as const,
          id: st.requestId!,
          error: { code: ErrorCode.InternalError, message: "the session ended on the node handling this request before it answered" },
        };
        if (this.#cluster) this.#emit(st, error);
        this.#endShared(st);
        st.sink?.end();
      }
    }
    for (const r of this.#readers) r.end();
    this.#byRequest.clear();
    this.#byStream.clear();
    this.#standalone?.sink?.end();
    this.#sharedGet?.end();
    this.#events?.close();
  }
}

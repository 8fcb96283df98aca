/**
 * MemoryCluster: the Cluster seam inside one process. Several handlers made with clusters of one MemoryClusterHub
 * behave like nodes on one Redis, which lets the routing above be tested in-process (and documents the contract
 * next to the Redis backend). A node "dies" when it leaves.
 */
import { type AppendOptions, type Cluster, type ClusterEvent, type ClusterMessage, newNodeId, type SharedStream } from "../cluster.js";
import { DEFAULT_EVENT_RETENTION_MS } from "../event-store.js";

interface Log {
  sessionId: string;
  events: ClusterEvent[];
  next: number;
  ended: boolean;
  writer?: string;
  requestId?: string | number;
  delivered: number;
  touched: number;
}

/** MemoryClusterHub is the shared state: the nodes, the stream logs, and the watchers. */
export class MemoryClusterHub {
  readonly nodes = new Map<string, (m: ClusterMessage) => void>();
  readonly logs = new Map<string, Log>();
  readonly once = new Map<string, number>();
  readonly watchers = new Map<string, Set<(e: ClusterEvent) => void>>();
  readonly retentionMs: number;
  /** False simulates the backend being unreachable. */
  available = true;

  constructor(options: { retentionMs?: number } = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_EVENT_RETENTION_MS;
  }

  /** Delivered on a later turn, as a network would: nobody may rely on a message arriving synchronously. */
  deliver(listener: (m: ClusterMessage) => void, message: ClusterMessage): void {
    const copy = structuredClone(message);
    setImmediate(() => listener(copy));
  }

  sweep(now = Date.now()): void {
    for (const [id, log] of this.logs) if (now - log.touched > this.retentionMs) this.logs.delete(id);
    for (const [k, at] of this.once) if (now - at > this.retentionMs) this.once.delete(k);
  }
}

export class MemoryCluster implements Cluster {
  readonly nodeId = newNodeId();
  readonly #hub: MemoryClusterHub;

  constructor(hub: MemoryClusterHub) {
    this.#hub = hub;
  }

  get available(): boolean {
    return this.#hub.available;
  }

  async join(inbox: (message: ClusterMessage) => void): Promise<void> {
    this.#hub.nodes.set(this.nodeId, inbox);
  }

  async send(nodeId: string, message: ClusterMessage): Promise<void> {
    const inbox = this.#hub.nodes.get(nodeId);
    if (inbox) this.#hub.deliver(inbox, message);
  }

  async broadcast(message: ClusterMessage): Promise<void> {
    for (const inbox of this.#hub.nodes.values()) this.#hub.deliver(inbox, message);
  }

  async alive(nodeId: string): Promise<boolean> {
    return this.#hub.nodes.has(nodeId);
  }

  #log(sessionId: string, streamId: string): Log {
    let log = this.#hub.logs.get(streamId);
    if (!log) this.#hub.logs.set(streamId, (log = { sessionId, events: [], next: 0, ended: false, delivered: 0, touched: 0 }));
    log.touched = Date.now();
    return log;
  }

  async open(sessionId: string, streamId: string, meta: { writer: string; requestId: string | number }): Promise<void> {
    const log = this.#log(sessionId, streamId);
    log.writer = meta.writer;
    log.requestId = meta.requestId;
  }

  async append(sessionId: string, streamId: string, data: string, options: AppendOptions = {}): Promise<number | undefined> {
    this.#hub.sweep();
    if (options.once !== undefined) {
      const key = `${sessionId}\n${options.once}`;
      if (this.#hub.once.has(key)) return undefined;
      this.#hub.once.set(key, Date.now());
    }
    const log = this.#log(sessionId, streamId);
    if (log.sessionId !== sessionId) return undefined;
    if (options.seq !== undefined && options.seq <= log.next) return undefined;
    const seq = options.seq ?? Math.max(log.next + 1, Date.now() * 1000);
    log.next = seq;
    log.writer ??= options.writer;
    log.requestId ??= options.requestId;
    if (data === "") log.ended = true;
    const event = { seq, data };
    log.events.push(event);
    if (log.events.length > 10_000) log.events.shift();
    for (const w of this.#hub.watchers.get(streamId) ?? []) w(event);
    return seq;
  }

  async read(sessionId: string, streamId: string, afterSeq: number): Promise<SharedStream | undefined> {
    const log = this.#hub.logs.get(streamId);
    if (!log || log.sessionId !== sessionId) return undefined;
    return {
      events: log.events.filter((e) => e.seq > afterSeq && e.data !== ""),
      ended: log.ended,
      writer: log.writer,
      requestId: log.requestId,
      delivered: log.delivered,
    };
  }

  async watch(streamId: string, listener: (event: ClusterEvent) => void): Promise<() => Promise<void>> {
    let set = this.#hub.watchers.get(streamId);
    if (!set) this.#hub.watchers.set(streamId, (set = new Set()));
    // Watchers hear of events on a later turn too, in order.
    const queued = (e: ClusterEvent) => setImmediate(() => listener(e));
    set.add(queued);
    return async () => {
      set.delete(queued);
      if (set.size === 0) this.#hub.watchers.delete(streamId);
    };
  }

  async claim(streamId: string, reader: string): Promise<void> {
    for (const w of this.#hub.watchers.get(streamId) ?? []) w({ seq: 0, data: reader });
  }

  async delivered(sessionId: string, streamId: string, seq: number): Promise<void> {
    const log = this.#hub.logs.get(streamId);
    if (log && log.sessionId === sessionId) log.delivered = Math.max(log.delivered, seq);
  }

  async deleteSession(sessionId: string): Promise<void> {
    for (const [id, log] of this.#hub.logs) if (log.sessionId === sessionId) this.#hub.logs.delete(id);
  }

  async leave(): Promise<void> {
    this.#hub.nodes.delete(this.nodeId);
  }
}

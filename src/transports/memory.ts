/**
 * An in-memory transport pair, for tests and for embedding a server and a client in one process.
 * Messages are structured-cloned so that neither side can mutate what the other holds.
 */
import type { JsonRpcMessage } from "../protocol/types.js";
import type { MessageExtra, Transport, TransportEvents } from "../jsonrpc/transport.js";

/** MemoryTransport is one end of a pair made by `MemoryTransport.createPair()`. */
export class MemoryTransport implements Transport {
  #peer?: MemoryTransport;
  #events?: TransportEvents;
  #queue: unknown[] = [];
  #closed = false;
  /** Extra delivered with every message to the other end (for example, a test's authInfo). */
  extra?: MessageExtra;

  /** createPair returns two connected ends: give one to a server and the other to a client. */
  static createPair(): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport();
    const b = new MemoryTransport();
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  start(events: TransportEvents): void {
    this.#events = events;
    const queued = this.#queue;
    this.#queue = [];
    for (const m of queued) events.message(m, this.#peer?.extra);
  }

  send(message: JsonRpcMessage): void {
    if (this.#closed || !this.#peer) return;
    const peer = this.#peer;
    const copy = structuredClone(message);
    // Deliver asynchronously, as a real transport would, so that re-entrancy bugs show up in tests.
    queueMicrotask(() => peer.#deliver(copy, this.extra));
  }

  #deliver(message: unknown, extra?: MessageExtra): void {
    if (this.#closed) return;
    if (this.#events) this.#events.message(message, extra);
    else this.#queue.push(message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events?.close();
    const peer = this.#peer;
    if (peer && !peer.#closed) await peer.close();
  }
}

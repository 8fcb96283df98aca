/**
 * 2026-07-28 on a connection that also speaks 2025-11-25 (stdio, in-memory): a request whose `_meta` names the new
 * revision is served by a session of its own that lives as long as the request, exactly as the Streamable HTTP
 * handler serves one POST; everything else goes to the connection's own session. Responses and the notifications
 * of such a request share the connection; `notifications/cancelled` naming it reaches its session.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import { claimsModern, readEnvelope, REMOVED_IN_MODERN, type Envelope } from "../protocol/modern.js";
import type { RequestId } from "../protocol/generated/schema-types.js";
import type { JsonRpcMessage } from "../protocol/types.js";
import type { MessageExtra, SendOptions, Transport, TransportEvents } from "../jsonrpc/transport.js";

type Obj = Record<string, unknown>;

/** One request's view of the shared connection. */
class RequestTransport implements Transport {
  #events?: TransportEvents;
  #closed = false;
  constructor(
    readonly parent: Transport,
    readonly id: RequestId,
    readonly done: () => void,
  ) {}
  start(events: TransportEvents): void {
    this.#events = events;
  }
  deliver(message: unknown, extra?: MessageExtra): void {
    this.#events?.message(message, extra);
  }
  send(message: JsonRpcMessage, options?: SendOptions): void {
    if (this.#closed) return;
    this.parent.send(message, options);
    // The response ends the request, and with it this session.
    if (!("method" in message) && (message as { id?: unknown }).id === this.id) queueMicrotask(() => void this.close());
  }
  settle(): void {
    void this.close();
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.done();
    this.#events?.close();
  }
}

/**
 * splitModern wraps `transport` so that modern requests reach sessions made by `serve` (one per request) and
 * everything else the connection's session.
 */
export function splitModern(transport: Transport, serve: (t: Transport, envelope: Envelope) => void): Transport {
  const open = new Map<RequestId, RequestTransport>();
  const fail = (id: RequestId, e: ProtocolError) =>
    transport.send({
      jsonrpc: "2.0",
      id,
      error: e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data },
    });
  return {
    get sessionId() {
      return transport.sessionId;
    },
    get requestIdPrefix() {
      return transport.requestIdPrefix;
    },
    send: (m, o) => transport.send(m, o),
    close: () => transport.close(),
    settle: transport.settle ? (id) => transport.settle!(id) : undefined,
    start(events) {
      transport.start({
        ...events,
        message: (m, extra) => {
          const msg = m as { id?: RequestId; method?: unknown; params?: Obj } | null;
          if (msg && typeof msg.method === "string") {
            if (msg.id !== undefined && msg.id !== null && claimsModern(msg.params)) {
              const id = msg.id;
              if (open.has(id))
                return fail(
                  id,
                  new ProtocolError(
                    ErrorCode.InvalidRequest,
                    `invalid request: id ${JSON.stringify(id)} is already in use by a request in flight`,
                  ),
                );
              let envelope: Envelope;
              try {
                envelope = readEnvelope(msg.params);
              } catch (err) {
                if (err instanceof ProtocolError) return fail(id, err);
                throw err;
              }
              if (REMOVED_IN_MODERN.has(msg.method))
                return fail(
                  id,
                  new ProtocolError(ErrorCode.MethodNotFound, `method not found: "${msg.method}" does not exist in 2026-07-28`),
                );
              const sub = new RequestTransport(transport, id, () => open.delete(id));
              open.set(id, sub);
              serve(sub, envelope);
              sub.deliver(m, extra);
              return;
            }
            if (msg.method === "notifications/cancelled") {
              const sub = open.get((msg.params as { requestId?: RequestId } | undefined)?.requestId as RequestId);
              if (sub) return sub.deliver(m, extra);
            }
          }
          events.message(m, extra);
        },
        close: () => {
          for (const sub of [...open.values()]) void sub.close();
          events.close();
        },
      });
    },
  };
}

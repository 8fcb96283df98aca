/**
 * The JSON-RPC session: one per connection. It owns request ids, the pending-request map, timeouts,
 * `notifications/cancelled` in both directions, `notifications/progress` and ping. It knows nothing of
 * tools or HTTP; features above it register handlers by method name.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import type { MethodSpec } from "../protocol/methods.js";
import { checkAgainst } from "../protocol/validate.js";
import { classify, isRequestId } from "../protocol/message.js";
import type { JsonRpcMessage } from "../protocol/types.js";
import type { ProgressToken, RequestId } from "../protocol/generated/schema-types.js";
import type { MessageExtra, SendOptions, Transport } from "./transport.js";
import { abortReason, OutgoingRequests, type RequestOptions } from "./outgoing.js";

type Params = Record<string, unknown>;

/** RequestContext is what a request handler gets besides its params. */
export interface RequestContext {
  readonly id: RequestId;
  readonly method: string;
  /** Aborted when the peer cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  readonly meta?: Record<string, unknown>;
  readonly progressToken?: ProgressToken;
  readonly extra?: MessageExtra;
  /** The session that received the request. */
  readonly session: Session;
  /** Sends a notification related to this request. */
  notify(method: string, params?: Params): void;
  /** Sends a request related to this request. */
  request(method: string, params?: Params, options?: RequestOptions): Promise<Params>;
}

export type RequestHandler = (params: Params, ctx: RequestContext) => unknown;
export type NotificationHandler = (params: Params, session: Session, extra?: MessageExtra) => void;

/** SessionOptions configure a Session. */
export interface SessionOptions {
  /** Methods this side handles, with their validators. Unknown methods get -32601. */
  incoming: Readonly<Record<string, MethodSpec>>;
  /** Methods this side may send, used to validate the results that come back. */
  outgoing: Readonly<Record<string, MethodSpec>>;
  /** Notification shapes, used to validate incoming notifications. */
  notifications: Readonly<Record<string, MethodSpec>>;
  /** Request handlers shared by every session of one server or client (kept out of each session to keep it small). */
  handlers?: ReadonlyMap<string, RequestHandler>;
  /** Notification handlers shared likewise. */
  notificationHandlers?: ReadonlyMap<string, NotificationHandler>;
  /** Default request timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** Called with a local error that has no caller to go to (a bad response id, a throwing notification handler). */
  onerror?: (error: Error) => void;
}

interface Inflight {
  controller: AbortController;
}

/**
 * A Session speaks JSON-RPC 2.0 over one Transport.
 *
 * Contract: malformed input from the peer is answered with the spec's error and never throws, and never
 * affects other requests. Handlers may be async; a thrown ProtocolError becomes that JSON-RPC error, any
 * other throw becomes -32603 with the error's message. `close` rejects every pending request once.
 */
export class Session {
  readonly #transport: Transport;
  readonly #opts: SessionOptions;
  #handlers: Map<string, RequestHandler> | undefined;
  #notificationHandlers: Map<string, NotificationHandler> | undefined;
  readonly #outgoing: OutgoingRequests;
  readonly #inflight = new Map<RequestId, Inflight>();
  #closed = false;
  /** Called once when the session closes (for the application; layers of Trellis use onceClosed). */
  onclose?: () => void;
  #closeListeners?: (() => void)[];
  /** Lets the layer above refuse a request before dispatch (for example, before initialize). */
  gate?: (method: string) => ProtocolError | undefined;

  constructor(transport: Transport, options: SessionOptions) {
    this.#transport = transport;
    this.#opts = options;
    this.#outgoing = new OutgoingRequests({
      timeoutMs: options.timeoutMs ?? 60_000,
      outgoing: options.outgoing,
      idPrefix: transport.requestIdPrefix,
      send: (message, sendOptions) => transport.send(message, sendOptions),
      cancel: (requestId, reason) => this.notify("notifications/cancelled", { requestId, reason }),
      onerror: options.onerror,
    });
    transport.start({
      message: (m, extra) => {
        // Last line of defence: nothing a peer sends may throw out of the transport's read loop.
        try {
          this.#receive(m, extra);
        } catch (err) {
          this.#opts.onerror?.(err instanceof Error ? err : new TrellisError("INTERNAL", String(err)));
          const id = (m as { id?: unknown } | null)?.id;
          if (isRequestId(id) && typeof (m as { method?: unknown }).method === "string") {
            this.#sendError(
              id,
              ErrorCode.InternalError,
              `internal error: ${err instanceof Error ? err.message : String(err)}`,
              undefined,
              id,
            );
          }
        }
      },
      parseError: (detail) => this.#sendError(null, ErrorCode.ParseError, `parse error: ${detail}`),
      close: (reason) => this.#onTransportClose(reason),
      error: (e) => this.#opts.onerror?.(e),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** onceClosed adds a listener called once when the session closes (at once if it already has). */
  onceClosed(listener: () => void): void {
    if (this.#closed) listener();
    else (this.#closeListeners ??= []).push(listener);
  }

  get transport(): Transport {
    return this.#transport;
  }

  /** setRequestHandler handles `method` on this session only, ahead of the shared handlers. */
  setRequestHandler(method: string, handler: RequestHandler): void {
    (this.#handlers ??= new Map()).set(method, handler);
  }

  /** setNotificationHandler handles notification `method` on this session only, ahead of the shared handlers. */
  setNotificationHandler(method: string, handler: NotificationHandler): void {
    (this.#notificationHandlers ??= new Map()).set(method, handler);
  }

  #handlerFor(method: string): RequestHandler | undefined {
    return this.#handlers?.get(method) ?? this.#opts.handlers?.get(method);
  }

  /** request sends a request and resolves with its result, or rejects with a ProtocolError or TrellisError. */
  request(method: string, params?: Params, options: RequestOptions = {}): Promise<Params> {
    if (this.#closed) return Promise.reject(new TrellisError("CONNECTION_CLOSED", `cannot send "${method}": connection closed`));
    return this.#outgoing.send(method, params, options);
  }

  /** notify sends a notification. After close it is dropped. */
  notify(method: string, params?: Params, options?: SendOptions): void {
    if (this.#closed) return;
    this.#transport.send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }, options);
  }

  /** close closes the transport and rejects every pending request. */
  async close(): Promise<void> {
    await this.#transport.close();
    this.#onTransportClose();
  }

  #onTransportClose(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    // Built only when something waits: an error's stack costs more than the rest of a short-lived session's close.
    if (this.#outgoing.size || this.#inflight.size) {
      const err = reason
        ? new TrellisError("CONNECTION_CLOSED", reason.message, { cause: reason })
        : new TrellisError("CONNECTION_CLOSED", "connection closed");
      this.#outgoing.rejectAll(err);
      for (const f of this.#inflight.values()) f.controller.abort(err);
      this.#inflight.clear();
    }
    for (const listener of this.#closeListeners ?? []) {
      try {
        listener();
      } catch (e) {
        this.#opts.onerror?.(e as Error);
      }
    }
    this.onclose?.();
  }

  #sendError(id: RequestId | null, code: number, message: string, data?: unknown, related?: RequestId): void {
    if (this.#closed) return;
    const error = data === undefined ? { code, message } : { code, message, data };
    this.#transport.send(
      id === null ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error },
      related !== undefined ? { relatedRequestId: related } : undefined,
    );
  }

  /** receive classifies a raw message by shape (protocol/message.ts), then validates it once against its method's schema. */
  #receive(raw: unknown, extra?: MessageExtra): void {
    if (this.#closed) return;
    const c = classify(raw);
    switch (c.kind) {
      case "request":
        return this.#onRequest(c.id, c.method, c.params, extra);
      case "notification":
        return this.#onNotification(c.method, c.params, extra);
      case "response":
        return this.#outgoing.settle(c.message);
      case "invalid":
        return this.#sendError(c.id ?? null, c.code, c.message);
      case "bad-notification":
        return this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", c.reason));
      case "orphan-error":
        // An error response without an id answers something the peer could not read; replying would echo forever.
        return this.#opts.onerror?.(
          new TrellisError("INVALID_MESSAGE", `peer sent an error without a request id: ${JSON.stringify(c.error)?.slice(0, 200)}`),
        );
    }
  }

  #onRequest(id: RequestId, method: string, params: Params, extra?: MessageExtra): void {
    if (method === "ping" && !this.#handlerFor("ping")) {
      this.#transport.send({ jsonrpc: "2.0", id, result: {} }, { relatedRequestId: id });
      return;
    }
    const spec = this.#opts.incoming[method];
    const handler = this.#handlerFor(method);
    // A method the protocol table does not know can still have a handler: an extension's, which checks its own params.
    if (!handler) return this.#sendError(id, ErrorCode.MethodNotFound, `method not found: "${method}"`, undefined, id);
    if (this.#inflight.has(id))
      return this.#sendError(
        id,
        ErrorCode.InvalidRequest,
        `invalid request: id ${JSON.stringify(id)} is already in use by a request in flight`,
        undefined,
        id,
      );
    const gated = this.gate?.(method);
    if (gated) return this.#sendError(id, gated.code, gated.message, gated.data, id);
    const problem = spec && checkAgainst(spec.params, params);
    if (problem) return this.#sendError(id, ErrorCode.InvalidParams, `invalid params for "${method}": ${problem}`, undefined, id);

    const controller = new AbortController();
    this.#inflight.set(id, { controller });
    const meta = params._meta as Params | undefined;
    const ctx: RequestContext = {
      id,
      method,
      signal: controller.signal,
      meta,
      progressToken: meta?.progressToken as ProgressToken | undefined,
      extra,
      session: this,
      notify: (m, p) => this.notify(m, p, { relatedRequestId: id }),
      request: (m, p, o) => this.request(m, p, { ...o, relatedRequestId: id }),
    };
    let out: unknown;
    try {
      out = handler(params, ctx);
    } catch (err) {
      return this.#finish(id, controller, undefined, err);
    }
    if (out instanceof Promise)
      out.then(
        (r) => this.#finish(id, controller, r, undefined),
        (e) => this.#finish(id, controller, undefined, e ?? new TrellisError("INTERNAL", "handler rejected")),
      );
    else this.#finish(id, controller, out, undefined);
  }

  #finish(id: RequestId, controller: AbortController, result: unknown, error: unknown): void {
    this.#inflight.delete(id);
    // The spec: a receiver SHOULD NOT respond to a request it was told is cancelled.
    if (controller.signal.aborted || this.#closed) {
      this.#transport.settle?.(id);
      return;
    }
    if (error === undefined) {
      this.#transport.send({ jsonrpc: "2.0", id, result: (result ?? {}) as Params }, { relatedRequestId: id });
    } else if (error instanceof ProtocolError) {
      this.#sendError(id, error.code, error.message, error.data, id);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      this.#sendError(id, ErrorCode.InternalError, `internal error: ${message}`, undefined, id);
    }
  }

  #onNotification(method: string, params: Params, extra?: MessageExtra): void {
    if (method === "notifications/cancelled") {
      const requestId = params.requestId as RequestId;
      const f = this.#inflight.get(requestId);
      if (f) {
        this.#inflight.delete(requestId);
        f.controller.abort(abortReason(typeof params.reason === "string" ? params.reason : undefined));
        this.#transport.settle?.(requestId);
      }
    } else if (method === "notifications/progress") {
      const spec = this.#opts.notifications[method];
      if (spec && checkAgainst(spec.params, params))
        return this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", `invalid "${method}" notification`));
      this.#outgoing.progress(params);
    }
    const handler = this.#notificationHandlers?.get(method) ?? this.#opts.notificationHandlers?.get(method);
    if (!handler) return;
    const spec = this.#opts.notifications[method];
    const problem = spec ? checkAgainst(spec.params, params) : undefined;
    if (problem) return this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", `invalid "${method}" notification: ${problem}`));
    try {
      handler(params, this, extra);
    } catch (err) {
      this.#opts.onerror?.(err instanceof Error ? err : new TrellisError("INTERNAL", String(err)));
    }
  }
}

export type { JsonRpcMessage };

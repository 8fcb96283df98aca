/**
 * The JSON-RPC session: one per connection. It owns request ids, the pending-request map, timeouts,
 * `notifications/cancelled` in both directions, `notifications/progress` and ping. It knows nothing of
 * tools or HTTP; features above it register handlers by method name.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import { CREATE_TASK_RESULT, type MethodSpec } from "../protocol/methods.js";
import { checkAgainst } from "../protocol/validate.js";
import { classify, isRequestId } from "../protocol/message.js";
import type { JsonRpcMessage, JsonRpcRequestMessage } from "../protocol/types.js";
import type { ProgressToken, RequestId } from "../protocol/generated/schema-types.js";
import type { MessageExtra, SendOptions, Transport } from "./transport.js";

type Params = Record<string, unknown>;

/** Progress as reported by `notifications/progress`. */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** RequestOptions tune one outgoing request. */
export interface RequestOptions {
  /** Aborting sends `notifications/cancelled` and rejects with a TrellisError REQUEST_CANCELLED. */
  signal?: AbortSignal;
  /** Milliseconds to wait for the response. Default: the session's `timeoutMs` (60 000). */
  timeoutMs?: number;
  /** Called for each progress notification; setting it adds a progressToken to the request. */
  onprogress?: (progress: Progress) => void;
  /** Restart the timeout whenever progress arrives. Default false. */
  resetTimeoutOnProgress?: boolean;
  /** With resetTimeoutOnProgress: the most the request may take in all. Default: unlimited. */
  maxTotalTimeoutMs?: number;
  /** The incoming request this one is sent on behalf of (routes it on Streamable HTTP). */
  relatedRequestId?: RequestId;
  /** Extra `_meta` fields to send with the request. */
  meta?: Record<string, unknown>;
}

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
  incoming: Record<string, MethodSpec>;
  /** Methods this side may send, used to validate the results that come back. */
  outgoing: Record<string, MethodSpec>;
  /** Notification shapes, used to validate incoming notifications. */
  notifications: Record<string, MethodSpec>;
  /** Request handlers shared by every session of one server or client (kept out of each session to keep it small). */
  handlers?: ReadonlyMap<string, RequestHandler>;
  /** Notification handlers shared likewise. */
  notificationHandlers?: ReadonlyMap<string, NotificationHandler>;
  /** Default request timeout in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** Called with a local error that has no caller to go to (a bad response id, a throwing notification handler). */
  onerror?: (error: Error) => void;
}

interface Pending {
  method: string;
  /** The request carried "task": its result is a CreateTaskResult. */
  task: boolean;
  resolve(result: Params): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
  onprogress?: (p: Progress) => void;
  cleanup(): void;
  resetTimeout?: () => void;
}

interface Inflight {
  controller: AbortController;
}

const abortReason = (reason?: string) =>
  new TrellisError("REQUEST_CANCELLED", reason ? `request cancelled: ${reason}` : "request cancelled");

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
  readonly #pending = new Map<RequestId, Pending>();
  readonly #inflight = new Map<RequestId, Inflight>();
  #nextId = 0;
  #closed = false;
  /** Called once when the session closes (for the application; layers of Trellis use onceClosed). */
  onclose?: () => void;
  #closeListeners?: (() => void)[];
  /** Lets the layer above refuse a request before dispatch (for example, before initialize). */
  gate?: (method: string) => ProtocolError | undefined;

  constructor(transport: Transport, options: SessionOptions) {
    this.#transport = transport;
    this.#opts = options;
    transport.start({
      message: (m, extra) => {
        // Last line of defence: nothing a peer sends may throw out of the transport's read loop.
        try {
          this.#receive(m, extra);
        } catch (err) {
          this.#opts.onerror?.(err instanceof Error ? err : new Error(String(err)));
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
      close: () => this.#onTransportClose(),
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
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortReason(String(signal.reason ?? "")));
    const id = this.#nextId++;
    let p: Params | undefined = params;
    if (options.onprogress || options.meta) {
      const meta = { ...(params?._meta as Params | undefined), ...options.meta, ...(options.onprogress ? { progressToken: id } : {}) };
      p = { ...params, _meta: meta };
    }
    return new Promise<Params>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#opts.timeoutMs ?? 60_000;
      const started = Date.now();
      const onAbort = () => {
        this.#cancelOutgoing(id, String(signal?.reason ?? "aborted by caller"));
        reject(abortReason(signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? "")));
      };
      const entry: Pending = {
        method,
        task: params?.task !== undefined,
        resolve,
        reject,
        onprogress: options.onprogress,
        cleanup: () => {
          if (entry.timer) clearTimeout(entry.timer);
          signal?.removeEventListener("abort", onAbort);
          this.#pending.delete(id);
        },
      };
      const arm = () => {
        if (entry.timer) clearTimeout(entry.timer);
        let wait = timeoutMs;
        if (options.maxTotalTimeoutMs !== undefined) wait = Math.min(wait, options.maxTotalTimeoutMs - (Date.now() - started));
        entry.timer = setTimeout(
          () => {
            this.#cancelOutgoing(id, "timed out");
            reject(new TrellisError("REQUEST_TIMEOUT", `request "${method}" timed out after ${Date.now() - started} ms`));
          },
          Math.max(0, wait),
        );
      };
      if (timeoutMs !== Infinity) arm();
      if (options.resetTimeoutOnProgress && timeoutMs !== Infinity) entry.resetTimeout = arm;
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, entry);
      const msg: JsonRpcRequestMessage = p === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params: p };
      this.#transport.send(msg, options.relatedRequestId !== undefined ? { relatedRequestId: options.relatedRequestId } : undefined);
    });
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

  #cancelOutgoing(id: RequestId, reason: string): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    entry.cleanup();
    this.notify("notifications/cancelled", { requestId: id, reason });
  }

  #onTransportClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new TrellisError("CONNECTION_CLOSED", "connection closed");
    for (const entry of [...this.#pending.values()]) {
      entry.cleanup();
      entry.reject(err);
    }
    for (const f of this.#inflight.values()) f.controller.abort(err);
    this.#inflight.clear();
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
        return this.#onResponse(c.message);
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
    if (!spec || !handler) return this.#sendError(id, ErrorCode.MethodNotFound, `method not found: "${method}"`, undefined, id);
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
    const problem = checkAgainst(spec.params, params);
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
        (e) => this.#finish(id, controller, undefined, e ?? new Error("handler rejected")),
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
      const entry = this.#pending.get(params.progressToken as RequestId);
      if (entry?.onprogress) {
        entry.resetTimeout?.();
        try {
          entry.onprogress({
            progress: params.progress as number,
            total: params.total as number | undefined,
            message: params.message as string | undefined,
          });
        } catch (err) {
          this.#opts.onerror?.(err as Error);
        }
      }
    }
    const handler = this.#notificationHandlers?.get(method) ?? this.#opts.notificationHandlers?.get(method);
    if (!handler) return;
    const spec = this.#opts.notifications[method];
    const problem = spec ? checkAgainst(spec.params, params) : undefined;
    if (problem) return this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", `invalid "${method}" notification: ${problem}`));
    try {
      handler(params, this, extra);
    } catch (err) {
      this.#opts.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onResponse(m: Record<string, unknown>): void {
    const entry = this.#pending.get(m.id as RequestId);
    if (!entry) {
      this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", `response for unknown request id ${JSON.stringify(m.id)}`));
      return;
    }
    entry.cleanup();
    if ("error" in m) {
      const e = m.error as { code?: unknown; message?: unknown; data?: unknown } | null;
      const code = typeof e?.code === "number" ? e.code : ErrorCode.InternalError;
      const message = typeof e?.message === "string" ? e.message : "peer returned a malformed error";
      entry.reject(new ProtocolError(code, message, e?.data));
      return;
    }
    const result = m.result;
    const spec = this.#opts.outgoing[entry.method];
    if (typeof result !== "object" || result === null || Array.isArray(result)) {
      entry.reject(new TrellisError("INVALID_MESSAGE", `invalid result for "${entry.method}": must be an object`));
      return;
    }
    // A task-augmented request gets a CreateTaskResult, or, from a peer without tasks, the plain result.
    let problem = spec?.result ? checkAgainst(spec.result, result) : undefined;
    if (entry.task && checkAgainst(CREATE_TASK_RESULT, result) === undefined) problem = undefined;
    if (problem) {
      entry.reject(new TrellisError("INVALID_MESSAGE", `invalid result for "${entry.method}": ${problem}`));
      return;
    }
    entry.resolve(result as Params);
  }
}

export type { JsonRpcMessage };

/**
 * OutgoingRequests: the requests one session sent and awaits — ids, the pending map, timeouts (reset on progress
 * when asked, with a total cap), cancellation by the caller's signal, and the check of each result against the
 * method's schema before the caller sees it.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import { CREATE_TASK_RESULT, type MethodSpec } from "../protocol/methods.js";
import { checkAgainst } from "../protocol/validate.js";
import type { JsonRpcRequestMessage } from "../protocol/types.js";
import type { RequestId } from "../protocol/generated/schema-types.js";
import type { SendOptions } from "./transport.js";

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
  /** HTTP headers for this request, where the transport has them. */
  headers?: Record<string, string>;
  /** A 2026-07-28 request: an `input_required` result is passed on to be answered, not checked as the method's result. */
  inputRounds?: boolean;
  /** Told the request's id as it is sent (a 2026-07-28 listen's notifications name it as their subscription id). */
  onsent?: (id: RequestId) => void;
}

interface Pending {
  method: string;
  /** The request carried "task": its result is a CreateTaskResult. */
  task: boolean;
  /** See RequestOptions.inputRounds. */
  inputRounds: boolean;
  resolve(result: Params): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
  onprogress?: (p: Progress) => void;
  cleanup(): void;
  resetTimeout?: () => void;
}

/** abortReason is the error a cancelled request (either side's) ends with. */
export const abortReason = (reason?: string) =>
  new TrellisError("REQUEST_CANCELLED", reason ? `request cancelled: ${reason}` : "request cancelled");

export interface OutgoingOptions {
  /** Default timeout in ms. */
  timeoutMs: number;
  /** Result validators of the methods this side sends. */
  outgoing: Record<string, MethodSpec>;
  /** Sends a message on the session. */
  send(message: JsonRpcRequestMessage, options?: SendOptions): void;
  /** Ids become `${idPrefix}${n}` strings where set (the transport's requestIdPrefix). */
  idPrefix?: string;
  /** Tells the peer a request was given up (notifications/cancelled). */
  cancel(id: RequestId, reason: string): void;
  onerror?: (error: Error) => void;
}

export class OutgoingRequests {
  readonly #opts: OutgoingOptions;
  readonly #pending = new Map<RequestId, Pending>();
  #nextId = 0;

  constructor(options: OutgoingOptions) {
    this.#opts = options;
  }

  /** send sends a request and settles with its checked result, or rejects with a ProtocolError or TrellisError. */
  send(method: string, params: Params | undefined, options: RequestOptions): Promise<Params> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortReason(String(signal.reason ?? "")));
    const n = this.#nextId++;
    const id: RequestId = this.#opts.idPrefix === undefined ? n : `${this.#opts.idPrefix}${n}`;
    let p: Params | undefined = params;
    if (options.onprogress || options.meta) {
      const meta = { ...(params?._meta as Params | undefined), ...options.meta, ...(options.onprogress ? { progressToken: id } : {}) };
      p = { ...params, _meta: meta };
    }
    return new Promise<Params>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#opts.timeoutMs;
      const started = Date.now();
      const onAbort = () => {
        this.#giveUp(id, String(signal?.reason ?? "aborted by caller"));
        reject(abortReason(signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? "")));
      };
      const entry: Pending = {
        method,
        task: params?.task !== undefined,
        inputRounds: options.inputRounds === true,
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
            this.#giveUp(id, "timed out");
            reject(new TrellisError("REQUEST_TIMEOUT", `request "${method}" timed out after ${Date.now() - started} ms`));
          },
          Math.max(0, wait),
        );
      };
      if (timeoutMs !== Infinity) arm();
      if (options.resetTimeoutOnProgress && timeoutMs !== Infinity) entry.resetTimeout = arm;
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, entry);
      options.onsent?.(id);
      const msg: JsonRpcRequestMessage = p === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params: p };
      this.#opts.send(
        msg,
        options.relatedRequestId !== undefined || options.headers
          ? { relatedRequestId: options.relatedRequestId, ...(options.headers ? { headers: options.headers } : {}) }
          : undefined,
      );
    });
  }

  #giveUp(id: RequestId, reason: string): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    entry.cleanup();
    this.#opts.cancel(id, reason);
  }

  /** progress hands a progress notification to the request it belongs to (and restarts its timeout if asked). */
  progress(params: Params): void {
    const entry = this.#pending.get(params.progressToken as RequestId);
    if (!entry?.onprogress) return;
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

  /** settle takes a response: its request rejects with the peer's error, or resolves with a result that fits the schema. */
  settle(m: Params): void {
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
    if (typeof result !== "object" || result === null || Array.isArray(result)) {
      entry.reject(new TrellisError("INVALID_MESSAGE", `invalid result for "${entry.method}": must be an object`));
      return;
    }
    const spec = this.#opts.outgoing[entry.method];
    // A task-augmented request gets a CreateTaskResult, or, from a peer without tasks, the plain result.
    // 2026-07-28: an input_required result is not the method's result yet (the client answers and asks again), and a
    // task handle or a tasks-extension result has that extension's shape, which the client checks where it reads it.
    const type = (result as { resultType?: unknown }).resultType;
    const other = entry.inputRounds && (type === "input_required" || type === "task" || entry.method.startsWith("tasks/"));
    let problem = spec?.result && !other ? checkAgainst(spec.result, result) : undefined;
    if (entry.task && checkAgainst(CREATE_TASK_RESULT, result) === undefined) problem = undefined;
    if (problem) {
      entry.reject(new TrellisError("INVALID_MESSAGE", `invalid result for "${entry.method}": ${problem}`));
      return;
    }
    entry.resolve(result as Params);
  }

  /** How many requests wait for their response. */
  get size(): number {
    return this.#pending.size;
  }

  /** rejectAll fails every request still waiting (the connection closed). */
  rejectAll(error: Error): void {
    for (const entry of [...this.#pending.values()]) {
      entry.cleanup();
      entry.reject(error);
    }
  }
}

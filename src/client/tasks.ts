/**
 * The client's view of a task it started: a handle to read its status, wait for its result, cancel it, and
 * follow its status changes, the same under either revision. At 2025-11-25 (tasks.mdx) it uses tasks/get,
 * tasks/result and tasks/cancel, and notifications when the server sends them; at 2026-07-28 (the
 * io.modelcontextprotocol/tasks extension) it polls tasks/get, which carries the result, and answers the
 * questions a task waits on through tasks/update with the client's own handlers.
 */
import { ProtocolError, TrellisError } from "../protocol/errors.js";
import { pause } from "../internal/pause.js";
import { TERMINAL_STATUSES } from "../protocol/tasks.js";
import type { Task } from "../protocol/generated/schema-types.js";
import type { CallOptions } from "./options.js";

type Params = Record<string, unknown>;

/** Default polling interval when the server suggests none. */
const DEFAULT_POLL_MS = 1000;

/**
 * pollDelay: the server's suggested interval, kept between 100 ms and 60 s — a server cannot make the client poll
 * in a tight loop (0, or a value past setTimeout's range, which Node runs at once) or never again.
 */
export function pollDelay(t: { pollInterval?: number }): number {
  const ms = t.pollInterval;
  if (typeof ms !== "number" || !Number.isFinite(ms)) return DEFAULT_POLL_MS;
  return Math.min(Math.max(ms, 100), 60_000);
}

/** How a handle reaches its task: one set of operations per revision. */
export interface TaskOps {
  get(taskId: string, options?: CallOptions): Promise<Task>;
  /** Waits for the outcome; `see` hears each status met on the way. */
  result(taskId: string, options: CallOptions, see?: (t: Task) => void): Promise<Params>;
  cancel(taskId: string, options?: CallOptions): Promise<Task>;
  /**
   * True when reading the task answers its questions (2026-07-28): each result() then polls on its own, with its
   * own signal, instead of sharing one tasks/result.
   */
  answersOnGet?: boolean;
  /** Forgets what is kept for a task nobody follows any more. */
  forget?(taskId: string): void;
}

/** 2025-11-25: the task methods as requests on the session. */
export function sessionTaskOps(request: (method: string, params: Params, options?: CallOptions) => Promise<Params>): TaskOps {
  return {
    get: async (taskId, options) => (await request("tasks/get", { taskId }, options)) as unknown as Task,
    result: (taskId, options) => request("tasks/result", { taskId }, { timeoutMs: Infinity, ...options }),
    cancel: async (taskId, options) => (await request("tasks/cancel", { taskId }, options)) as unknown as Task,
  };
}

/** How long an answer sent with tasks/update may stay unheeded (the question still listed) before it is sent again. */
const RESEND_MS = 2000;

/**
 * 2026-07-28: tasks/get is polled until the task ends and carries its result or error; a task waiting on
 * questions lists them (inputRequests), and `answer` (the client's handlers) gives what goes back in tasks/update.
 * Each question is answered once: a key seen again with the same question is not asked of the handlers again, but
 * if it is still listed a while after its answer went out, that answer is sent again (behind a balancer, an update
 * can land on a process that is not running the task, and a read on one that does not know its questions). A
 * question whose answer failed is asked again at the next poll, and the failure ends the result() that waits.
 */
export function extensionTaskOps(
  request: (method: string, params: Params, options?: CallOptions) => Promise<Params>,
  answer: (asks: Params) => Promise<Params>,
  onerror?: (e: Error) => void,
): TaskOps {
  interface Asked {
    question: string;
    answer?: unknown;
    sentAt?: number;
  }
  /** Each task's questions seen so far, by key: what was asked, and the answer once sent. */
  const asked = new Map<string, Map<string, Asked>>();
  const failures = new Map<string, Error>();
  const forget = (taskId: string) => {
    asked.delete(taskId);
    failures.delete(taskId);
  };
  const update = (taskId: string, inputResponses: Params) => request("tasks/update", { taskId, inputResponses });
  const get = async (taskId: string, options?: CallOptions): Promise<Task & { full: Params }> => {
    const r = await request("tasks/get", { taskId }, options);
    if (typeof r.taskId !== "string" || typeof r.status !== "string" || typeof r.createdAt !== "string")
      throw new TrellisError("INVALID_MESSAGE", `invalid result for "tasks/get": a task needs string taskId, status and createdAt`);
    if (TERMINAL_STATUSES.has(r.status as Task["status"])) asked.delete(taskId);
    else if (r.status === "input_required" && typeof r.inputRequests === "object" && r.inputRequests !== null) {
      const mine = asked.get(taskId) ?? new Map<string, Asked>();
      asked.set(taskId, mine);
      const fresh: Params = {};
      const again: Params = {};
      const now = Date.now();
      for (const [k, q] of Object.entries(r.inputRequests as Params)) {
        const question = JSON.stringify(q);
        const seen = mine.get(k);
        if (!seen || seen.question !== question) {
          fresh[k] = q;
          mine.set(k, { question });
        } else if (seen.sentAt !== undefined && now - seen.sentAt >= RESEND_MS) {
          again[k] = seen.answer;
          seen.sentAt = now;
        }
      }
      if (Object.keys(again).length) void update(taskId, again).catch((e: Error) => onerror?.(e));
      const keys = Object.keys(fresh);
      // Answered apart from any one caller's signal: a person may take a while, and the task waits for them.
      if (keys.length)
        void answer(fresh)
          .then(async (answers) => {
            await update(taskId, answers);
            const sentAt = Date.now();
            for (const k of keys) {
              const entry = mine.get(k);
              if (entry) Object.assign(entry, { answer: answers[k], sentAt });
            }
          })
          .catch((e: Error) => {
            for (const k of keys) mine.delete(k);
            failures.set(taskId, e);
            onerror?.(e);
          });
    }
    return { ...asTask(r), full: r };
  };
  return {
    get,
    answersOnGet: true,
    forget,
    async result(taskId, options, see) {
      for (;;) {
        const failed = failures.get(taskId);
        if (failed) {
          failures.delete(taskId);
          throw failed;
        }
        const { full, ...t } = await get(taskId, options);
        see?.(t);
        if (t.status === "completed") return (full.result as Params | undefined) ?? {};
        if (t.status === "failed") {
          const e = full.error as { code?: number; message?: string; data?: unknown } | undefined;
          if (full.result) return full.result as Params;
          throw new ProtocolError(e?.code ?? -32603, e?.message ?? `task ${taskId} failed`, e?.data);
        }
        if (t.status === "cancelled") throw new TrellisError("REQUEST_CANCELLED", `task ${taskId} was cancelled`);
        await sleep(pollDelay(t), options.signal);
      }
    },
    async cancel(taskId, options) {
      await request("tasks/cancel", { taskId }, options);
      return get(taskId, options);
    },
  };
}

/** A 2026-07-28 task handle in 2025-11-25's terms (ttl, pollInterval), so code reads one shape. */
export function asTask(r: Params): Task {
  const t: Task = {
    taskId: r.taskId as string,
    status: r.status as Task["status"],
    createdAt: r.createdAt as string,
    lastUpdatedAt: r.lastUpdatedAt as string,
    ttl: typeof r.ttlMs === "number" ? r.ttlMs : null,
  };
  if (typeof r.pollIntervalMs === "number") t.pollInterval = r.pollIntervalMs;
  if (typeof r.statusMessage === "string") t.statusMessage = r.statusMessage;
  return t;
}

/** Waits `ms`; a cancelled wait ends the polling with REQUEST_CANCELLED. */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await pause(ms, signal);
  if (signal?.aborted) throw new TrellisError("REQUEST_CANCELLED", "request cancelled");
}

export class TaskHandle<R = Record<string, unknown>> {
  readonly taskId: string;
  /**
   * True when a 2026-07-28 server answered the call at once instead of making it a task (the server decides):
   * there is no task on the server; result() gives the answer, status() and cancel() the finished state.
   */
  readonly immediate: boolean;
  #last: Task;
  readonly #ops: TaskOps;
  readonly #listeners = new Set<(t: Task) => void>();
  readonly #unsubscribe: () => void;
  #result?: Promise<R>;

  /** @internal Created by McpClient.callToolAsTask and McpClient.task. */
  constructor(task: Task, ops: TaskOps, subscribe: (taskId: string, fn: (t: Task) => void) => () => void, immediate?: R) {
    this.taskId = task.taskId;
    this.#last = task;
    this.immediate = immediate !== undefined;
    if (immediate !== undefined) {
      this.#result = Promise.resolve(immediate);
      const done = async () => this.#last;
      this.#ops = { get: done, cancel: done, result: async () => immediate as Params };
      this.#unsubscribe = () => {};
      return;
    }
    this.#ops = ops;
    this.#unsubscribe = subscribe(task.taskId, (t) => this.#see(t));
  }

  /** The most recent status seen, without asking the server. */
  get last(): Task {
    return this.#last;
  }

  #see(t: Task): void {
    if (t.lastUpdatedAt < this.#last.lastUpdatedAt && t.status === this.#last.status) return;
    this.#last = t;
    for (const fn of this.#listeners) fn(t);
    // A terminal task changes no more: stop listening so finished handles do not pile up in the client.
    if (TERMINAL_STATUSES.has(t.status)) this.#unsubscribe();
  }

  /** status asks the server (tasks/get). */
  async status(options?: CallOptions): Promise<Task> {
    const { full: _, ...t } = (await this.#ops.get(this.taskId, options)) as Task & { full?: unknown };
    this.#see(t);
    return t;
  }

  /**
   * result waits for the task to finish and returns what the original request would have returned; a
   * JSON-RPC error of the request is thrown as a ProtocolError. Waits without a timeout unless one is given.
   */
  result(options: CallOptions = {}): Promise<R> {
    // 2026-07-28: each caller polls with its own signal (reading the task answers its questions).
    if (this.#ops.answersOnGet && !this.immediate)
      return this.#ops.result(this.taskId, options, (t) => this.#see(t)) as unknown as Promise<R>;
    // One tasks/result at a time: a later call shares the pending one (updates() may have started it).
    if (!this.#result) {
      const p = this.#ops.result(this.taskId, options, (t) => this.#see(t)) as unknown as Promise<R>;
      this.#result = p;
      p.catch(() => {
        if (this.#result === p) this.#result = undefined;
      });
    }
    return this.#result;
  }

  /** cancel asks the server to cancel the task and returns its (cancelled) status. */
  async cancel(options?: CallOptions): Promise<Task> {
    const { full: _, ...t } = (await this.#ops.cancel(this.taskId, options)) as Task & { full?: unknown };
    this.#see(t);
    return t;
  }

  /**
   * updates yields every status change until the task is terminal: from notifications/tasks/status when the
   * server sends them, and from polling tasks/get at the server's pollInterval otherwise.
   */
  async *updates(options: { signal?: AbortSignal } = {}): AsyncGenerator<Task> {
    const queue: Task[] = [];
    let wake: (() => void) | undefined;
    const listener = (t: Task) => {
      queue.push(t);
      wake?.();
    };
    this.#listeners.add(listener);
    let lastYielded: string | undefined;
    const key = (t: Task) => `${t.status}|${t.statusMessage ?? ""}|${t.lastUpdatedAt}`;
    try {
      queue.push(this.#last);
      for (;;) {
        while (queue.length) {
          const t = queue.shift()!;
          if (key(t) === lastYielded) continue;
          lastYielded = key(t);
          // The server needs input: open tasks/result now so its request has a stream to travel on (tasks.mdx).
          if (t.status === "input_required" && !this.#ops.answersOnGet) this.result().catch(() => {});
          yield t;
          if (TERMINAL_STATUSES.has(t.status)) return;
        }
        if (options.signal?.aborted) return;
        const interval = pollDelay(this.#last);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, interval);
          function done() {
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", done);
            resolve();
          }
          wake = done;
          options.signal?.addEventListener("abort", done, { once: true });
        });
        wake = undefined;
        if (queue.length === 0 && !options.signal?.aborted) await this.status(options.signal ? { signal: options.signal } : undefined);
      }
    } finally {
      this.#listeners.delete(listener);
    }
  }
}

/** TaskListeners routes notifications/tasks/status to the handles following each task. */
export class TaskListeners {
  readonly #byTask = new Map<string, Set<(t: Task) => void>>();

  /** emit hands a status notification to the listeners of its task. */
  emit(task: Task): void {
    for (const fn of this.#byTask.get(task.taskId) ?? []) fn(task);
  }

  /** listen adds a listener for one task and returns the function that removes it. */
  listen(taskId: string, fn: (t: Task) => void): () => void {
    const set = this.#byTask.get(taskId) ?? new Set();
    this.#byTask.set(taskId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#byTask.delete(taskId);
    };
  }
}

/**
 * The client's view of a task it started (tasks.mdx): a handle to read its status, wait for its result,
 * cancel it, and follow its status changes, using notifications when the server sends them and polling at
 * the server's pollInterval when it does not.
 */
import { TERMINAL_STATUSES } from "../protocol/tasks.js";
import type { Task } from "../protocol/generated/schema-types.js";
import type { Session } from "../jsonrpc/session.js";
import type { CallOptions } from "./options.js";

/** Default polling interval when the server suggests none. */
const DEFAULT_POLL_MS = 1000;

export class TaskHandle<R = Record<string, unknown>> {
  readonly taskId: string;
  #last: Task;
  readonly #rpc: () => Session;
  readonly #listeners = new Set<(t: Task) => void>();
  readonly #unsubscribe: () => void;
  #result?: Promise<R>;

  /** @internal Created by McpClient.callToolAsTask. */
  constructor(task: Task, rpc: () => Session, subscribe: (taskId: string, fn: (t: Task) => void) => () => void) {
    this.taskId = task.taskId;
    this.#last = task;
    this.#rpc = rpc;
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
    const t = (await this.#rpc().request("tasks/get", { taskId: this.taskId }, options)) as unknown as Task;
    this.#see(t);
    return t;
  }

  /**
   * result waits for the task to finish and returns what the original request would have returned; a
   * JSON-RPC error of the request is thrown as a ProtocolError. Waits without a timeout unless one is given.
   */
  result(options: CallOptions = {}): Promise<R> {
    // One tasks/result at a time: a later call shares the pending one (updates() may have started it).
    if (!this.#result) {
      const p = this.#rpc().request("tasks/result", { taskId: this.taskId }, { timeoutMs: Infinity, ...options }) as unknown as Promise<R>;
      this.#result = p;
      p.catch(() => {
        if (this.#result === p) this.#result = undefined;
      });
    }
    return this.#result;
  }

  /** cancel asks the server to cancel the task and returns its (cancelled) status. */
  async cancel(options?: CallOptions): Promise<Task> {
    const t = (await this.#rpc().request("tasks/cancel", { taskId: this.taskId }, options)) as unknown as Task;
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
          if (t.status === "input_required") this.result().catch(() => {});
          yield t;
          if (TERMINAL_STATUSES.has(t.status)) return;
        }
        if (options.signal?.aborted) return;
        const interval = this.#last.pollInterval ?? DEFAULT_POLL_MS;
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

/**
 * RunningTask: a task whose work runs in this process. It knows its requestor's session (which a reconnecting
 * requestor replaces), the tasks/result requests waiting on it, and builds the TaskControl its work uses, so that
 * notifications and questions to the requestor travel the right way (tasks.mdx, "Input Required Status").
 */
import { TrellisError } from "../protocol/errors.js";
import type { RequestId } from "../protocol/generated/schema-types.js";
import { RELATED_TASK, type TaskStatus } from "../protocol/tasks.js";
import type { RequestOptions } from "../jsonrpc/outgoing.js";
import type { Session } from "../jsonrpc/session.js";
import type { SendOptions } from "../jsonrpc/transport.js";
import type { TaskControl } from "./types.js";

/** What the manager lends a running task: status moves and messages, and how long to wait for a requestor. */
export interface TaskHooks {
  transition(to: TaskStatus): Promise<unknown>;
  setMessage(message: string): void;
  /** How long a question waits for a tasks/result to travel on before it is sent anyway. */
  waitForRequestorMs: number;
}

export class RunningTask {
  readonly taskId: string;
  readonly controller = new AbortController();
  /** The requestor's session: where notifications and questions go (undefined for a task resumed after a restart). */
  session?: Session;
  /** Ids of tasks/result requests waiting on this task: messages travel on their streams. */
  readonly waiting = new Set<RequestId>();
  readonly #originalRequestId: RequestId;
  #onWaiting?: () => void;

  constructor(taskId: string, session: Session | undefined, originalRequestId: RequestId) {
    this.taskId = taskId;
    this.session = session;
    this.#originalRequestId = originalRequestId;
  }

  /** route sends on the stream of a waiting tasks/result when there is one, so the requestor sees it in order. */
  route(): SendOptions {
    return { relatedRequestId: this.waiting.values().next().value ?? this.#originalRequestId };
  }

  /** attach: a tasks/result of `session` waits on this task (a reconnected requestor takes the task along). */
  attach(session: Session, requestId: RequestId): void {
    this.session = session;
    this.waiting.add(requestId);
    this.#onWaiting?.();
  }

  /** Resolves when a tasks/result starts waiting, after `ms`, or when the task is aborted, whichever is first. */
  #whenWaiting(ms: number): Promise<void> {
    const signal = this.controller.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#onWaiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.#onWaiting = done;
    });
  }

  /** control is what the task's work can do: notify and ask its requestor (tagged with the task), report status. */
  control(hooks: TaskHooks): TaskControl {
    const taskId = this.taskId;
    const meta = { [RELATED_TASK]: { taskId } };
    return {
      taskId,
      signal: this.controller.signal,
      notify: (method, params) => {
        const s = this.session;
        if (s && !s.closed) s.notify(method, { ...params, _meta: { ...(params?._meta as object | undefined), ...meta } }, this.route());
      },
      request: async (method, params, options: RequestOptions = {}) => {
        const s = this.session;
        if (!s || s.closed) throw new TrellisError("CONNECTION_CLOSED", `task ${taskId} has no requestor connected to ask "${method}"`);
        await hooks.transition("input_required");
        // The requestor learns of input_required and opens tasks/result; the question travels on that stream.
        // Wait for it a while, then send on whatever route there is.
        if (this.waiting.size === 0) await this.#whenWaiting(hooks.waitForRequestorMs);
        try {
          return await s.request(method, params, { ...options, ...this.route(), meta: { ...options.meta, ...meta } });
        } finally {
          await hooks.transition("working");
        }
      },
      setStatusMessage: (m) => hooks.setMessage(m),
      setInputRequired: (waiting) => hooks.transition(waiting ? "input_required" : "working"),
    };
  }
}

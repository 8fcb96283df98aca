/**
 * The task receiver's core (SEP-1686, tasks.mdx), shared by both roles: a server receiving task-augmented
 * tools/call and a client receiving task-augmented sampling or elicitation. It creates tasks, runs their work in
 * the background, enforces the status machine, and answers tasks/get, tasks/result, tasks/list and
 * tasks/cancel. What the work is belongs to the role (server/tasks.ts, client/client.ts); the TaskStore only stores.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import type { RequestId, Task } from "../protocol/generated/schema-types.js";
import { ownerOf, toWireTask, type TaskCaller, type TaskControl, type TaskOptions, type TaskOutcome } from "./types.js";
import type { RequestContext, Session } from "../jsonrpc/session.js";
import { canMove, RELATED_TASK, TERMINAL_STATUSES, type TaskStatus } from "../protocol/tasks.js";
import { InvalidCursorError, type TaskRecord, type TaskStore } from "./store.js";

import { type RateLimit, RateLimiter, rateLimited } from "./rate-limit.js";
import { RunningTask } from "./running.js";
import { MemoryTaskStore } from "./memory-store.js";

export class TaskManager {
  readonly store: TaskStore;
  readonly #opts: Required<Omit<TaskOptions, "store" | "maxTtlMs" | "defaultTtlMs" | "rateLimit">> & {
    maxTtlMs: number | null;
    defaultTtlMs: number | null;
  };
  readonly #limiter?: RateLimiter;
  readonly #limit?: RateLimit;
  readonly #running = new Map<string, RunningTask>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #leaseTimer: ReturnType<typeof setInterval>;
  /** This process as a lease holder. */
  readonly #holder: string;
  /** How recovered tasks are resumed; set by the first recover(), reused by the periodic ones. */
  #resume?: (task: TaskRecord) => ((control: TaskControl) => Promise<TaskOutcome>) | undefined;
  #recoveredAt = 0;

  constructor(options: TaskOptions = {}) {
    this.store = options.store ?? new MemoryTaskStore();
    const { rateLimit = { perSecond: 1000, burst: 2000 }, ...rest } = options;
    this.#opts = { defaultTtlMs: 3_600_000, maxTtlMs: 86_400_000, pollIntervalMs: 1000, pageSize: 100, leaseMs: 15_000, ...rest };
    if (rateLimit) {
      this.#limit = rateLimit;
      // A store shared by several processes counts for all of them; otherwise this process counts alone.
      if (!this.store.take) this.#limiter = new RateLimiter(rateLimit);
    }
    this.#holder = this.store.newLeaseHolder?.() ?? crypto.randomUUID();
    this.#leaseTimer = setInterval(() => void this.#tendLeases().catch(() => {}), Math.max(10, this.#opts.leaseMs / 3));
    this.#leaseTimer.unref?.();
    this.#sweeper = setInterval(() => {
      void Promise.resolve(this.store.sweep()).catch(() => {});
      this.#limiter?.prune();
    }, 60_000);
    this.#sweeper.unref?.();
  }

  #ttl(requested: unknown): number | null {
    const max = this.#opts.maxTtlMs;
    const want = typeof requested === "number" && requested > 0 ? requested : this.#opts.defaultTtlMs;
    if (want === null) return max;
    return max === null ? want : Math.min(want, max);
  }

  /** admit spends one token of the caller's bucket (and its address's), or throws the rate-limit error with a retry hint. */
  async admit(caller: TaskCaller): Promise<void> {
    const keys = [ownerOf(caller)];
    if (typeof caller !== "string" && caller.address !== undefined) keys.unshift(`address:${caller.address}`);
    if (this.#limiter) for (const k of keys) this.#limiter.take(k);
    else if (this.#limit && this.store.take)
      for (const k of keys) {
        const wait = await this.store.take(`rate:${k}`, this.#limit, Date.now());
        if (wait > 0) throw rateLimited(wait);
      }
  }

  /** create records a new task for `owner` (tasks start in "working"). */
  async create(caller: TaskCaller, method: string, params: Record<string, unknown>, requestedTtl: unknown): Promise<TaskRecord> {
    await this.admit(caller);
    const owner = ownerOf(caller);
    const now = Date.now();
    const record: TaskRecord = {
      taskId: crypto.randomUUID(),
      owner,
      status: "working",
      createdAt: now,
      lastUpdatedAt: now,
      ttl: this.#ttl(requestedTtl),
      pollInterval: this.#opts.pollIntervalMs,
      method,
      params,
      lease: { holder: this.#holder, until: now + this.#opts.leaseMs },
    };
    await this.store.create(record);
    return record;
  }

  /**
   * execute runs (or, after a restart, resumes) a task's work in the background. `session` is where the
   * requestor is reached for notifications and input requests; `originalRequestId` routes them on HTTP.
   */
  execute(
    record: TaskRecord,
    session: Session | undefined,
    originalRequestId: RequestId,
    work: (control: TaskControl) => Promise<TaskOutcome>,
  ): void {
    const running = new RunningTask(record.taskId, session, originalRequestId);
    this.#running.set(record.taskId, running);
    const taskId = record.taskId;
    const control = running.control({
      transition: (to) => this.#transition(taskId, to),
      setMessage: (m) => void this.#setMessage(taskId, m),
      waitForRequestorMs: Math.max(2000, 4 * this.#opts.pollIntervalMs),
    });
    void work(control).then(
      (outcome) => this.#finish(taskId, outcome.status, { result: outcome.result }),
      (err: unknown) => {
        const error =
          err instanceof ProtocolError
            ? err.toJSON()
            : { code: ErrorCode.InternalError, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
        return this.#finish(taskId, "failed", { error });
      },
    );
  }

  /** isRunning tells whether this process runs the task's work. */
  isRunning(taskId: string): boolean {
    return this.#running.has(taskId);
  }

  #read(taskId: string): Promise<TaskRecord | undefined> {
    // The owner check belongs to the caller-facing methods (#owned); this is the manager's own bookkeeping.
    return Promise.resolve(this.store.load(taskId));
  }

  async #transition(taskId: string, to: TaskStatus, patch: Partial<TaskRecord> = {}): Promise<TaskRecord | undefined> {
    const current = await this.#read(taskId);
    if (!current || !canMove(current.status, to)) return undefined;
    const next: TaskRecord = { ...current, ...patch, status: to, lastUpdatedAt: Date.now() };
    // Back to work, or done: an old "asking the user" or "step 3/4" no longer describes the task.
    const clear = (to === "working" || to === "completed") && patch.statusMessage === undefined;
    if (clear) delete next.statusMessage;
    await this.store.update(taskId, {
      ...patch,
      status: to,
      lastUpdatedAt: next.lastUpdatedAt,
      ...(clear ? { statusMessage: undefined } : {}),
    });
    this.#notifyStatus(next);
    return next;
  }

  async #setMessage(taskId: string, statusMessage: string): Promise<void> {
    const current = await this.#read(taskId);
    if (!current) return;
    const lastUpdatedAt = Date.now();
    await this.store.update(taskId, { statusMessage, lastUpdatedAt });
    this.#notifyStatus({ ...current, statusMessage, lastUpdatedAt });
  }

  async #finish(taskId: string, status: TaskStatus, patch: Partial<TaskRecord>): Promise<void> {
    // Not ours any more (cancelled, or the lease was lost to another process): the outcome is not written.
    // A cancelled task stays cancelled whatever its handler does next (tasks.mdx, "Cancellation").
    if (this.#running.has(taskId)) await this.#transition(taskId, status, { ...patch, lease: undefined });
    this.#running.delete(taskId);
    this.#wake(taskId);
  }

  /**
   * Renews the leases of the tasks this process runs. A task whose lease cannot be renewed (it was cancelled or
   * finished elsewhere, or another process took it over after this one stalled) is no longer run here: its work
   * is aborted and its outcome will not be written. About once per lease period, tasks whose leases ran out
   * (their process died) are recovered.
   */
  async #tendLeases(): Promise<void> {
    const now = Date.now();
    for (const [taskId, running] of this.#running) {
      if (await this.store.claim(taskId, this.#holder, now + this.#opts.leaseMs, now)) continue;
      if (this.#running.get(taskId) !== running) continue;
      this.#running.delete(taskId);
      running.controller.abort(
        new TrellisError("REQUEST_CANCELLED", "task is no longer run by this process (cancelled, or taken over by another)"),
      );
      this.#wake(taskId);
    }
    if (this.#resume && now - this.#recoveredAt >= this.#opts.leaseMs) await this.recover(this.#resume);
  }

  #notifyStatus(t: TaskRecord): void {
    const running = this.#running.get(t.taskId);
    const s = running?.session;
    if (!s || s.closed) return;
    // On the stream of a waiting tasks/result when there is one, so the status arrives before the result.
    const waiting = running.waiting.values().next().value;
    s.notify(
      "notifications/tasks/status",
      toWireTask(t) as unknown as Record<string, unknown>,
      waiting === undefined ? undefined : { relatedRequestId: waiting },
    );
  }

  #wake(taskId: string): void {
    const ws = this.#waiters.get(taskId);
    this.#waiters.delete(taskId);
    for (const w of ws ?? []) w();
  }

  async #owned(caller: TaskCaller, params: Record<string, unknown>, admit = true): Promise<TaskRecord> {
    if (admit) await this.admit(caller);
    const owner = ownerOf(caller);
    const taskId = params.taskId;
    if (typeof taskId !== "string") throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: "taskId" must be a string');
    const t = await this.store.get(owner, taskId);
    // Another owner's task is reported exactly like a missing one.
    if (!t) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: task ${JSON.stringify(taskId)} not found`);
    return t;
  }

  async get(owner: TaskCaller, params: Record<string, unknown>): Promise<Task> {
    return toWireTask(await this.#owned(owner, params));
  }

  /** record is the caller's own task as stored, result and error included (2026-07-28's tasks/get shows them). */
  record(owner: TaskCaller, params: Record<string, unknown>): Promise<TaskRecord> {
    return this.#owned(owner, params);
  }

  /** result blocks until the task is terminal, then answers exactly as the original request would have. */
  async result(
    owner: TaskCaller,
    params: Record<string, unknown>,
    rpc: Pick<RequestContext, "id" | "signal" | "session">,
  ): Promise<Record<string, unknown>> {
    let t = await this.#owned(owner, params);
    const session = rpc.session;
    const running = this.#running.get(t.taskId);
    if (running) {
      // A reconnecting client re-attaches the task to its current session for input requests and notifications.
      running.attach(session, rpc.id);
    }
    try {
      while (!TERMINAL_STATUSES.has(t.status)) {
        await new Promise<void>((resolve, reject) => {
          const ws = this.#waiters.get(t.taskId) ?? new Set();
          this.#waiters.set(t.taskId, ws);
          let timer: ReturnType<typeof setTimeout> | undefined;
          const done = () => {
            clearTimeout(timer);
            ws.delete(done);
            rpc.signal.removeEventListener("abort", abort);
            resolve();
          };
          const abort = () => {
            clearTimeout(timer);
            ws.delete(done);
            reject(rpc.signal.reason);
          };
          ws.add(done);
          rpc.signal.addEventListener("abort", abort, { once: true });
          // Run by another process (or by none yet): nothing here will say when it ends, so look again later.
          if (!this.#running.has(t.taskId)) timer = setTimeout(done, Math.min(this.#opts.pollIntervalMs, 1000));
        });
        t = await this.#owned(owner, params, false);
      }
    } finally {
      running?.waiting.delete(rpc.id);
    }
    const meta = { [RELATED_TASK]: { taskId: t.taskId } };
    if (t.error) throw new ProtocolError(t.error.code, t.error.message, t.error.data === undefined ? meta : t.error.data);
    if (t.result) return { ...t.result, _meta: { ...(t.result._meta as object | undefined), ...meta } };
    // Cancelled (or failed without a result): the request has nothing to return but an error.
    throw new ProtocolError(
      ErrorCode.InternalError,
      t.status === "cancelled" ? `task ${t.taskId} was cancelled` : `task ${t.taskId} failed: ${t.statusMessage ?? "no result"}`,
      meta,
    );
  }

  async list(caller: TaskCaller, params: Record<string, unknown>): Promise<{ tasks: Task[]; nextCursor?: string }> {
    await this.admit(caller);
    const owner = ownerOf(caller);
    if (params.cursor !== undefined && typeof params.cursor !== "string")
      throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: "cursor" must be a string');
    try {
      const page = await this.store.list(owner, params.cursor as string | undefined, this.#opts.pageSize);
      const tasks = page.tasks.map(toWireTask);
      return page.nextCursor ? { tasks, nextCursor: page.nextCursor } : { tasks };
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: ${err.message}`);
      throw err;
    }
  }

  async cancel(owner: TaskCaller, params: Record<string, unknown>): Promise<Task> {
    const t = await this.#owned(owner, params);
    if (TERMINAL_STATUSES.has(t.status))
      throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: task ${t.taskId} is already ${t.status} and cannot be cancelled`);
    const next = await this.#transition(t.taskId, "cancelled", { statusMessage: "The task was cancelled by request.", lease: undefined });
    this.#running.get(t.taskId)?.controller.abort(new TrellisError("REQUEST_CANCELLED", "task cancelled"));
    this.#running.delete(t.taskId);
    this.#wake(t.taskId);
    return toWireTask(next ?? { ...t, status: "cancelled" });
  }

  /**
   * recover settles tasks whose process is gone: those with no lease, or whose lease ran out. Each is claimed
   * first (atomically, so one process wins); then, where `resume` returns work, the task runs again from its
   * stored params, and any other is marked failed with a message that says the process restarted. Tasks other
   * processes still hold are left alone. It runs at start and then about once per lease period.
   */
  async recover(
    resume: (task: TaskRecord) => ((control: TaskControl) => Promise<TaskOutcome>) | undefined,
  ): Promise<{ resumed: number; failed: number }> {
    this.#resume = resume;
    this.#recoveredAt = Date.now();
    let resumed = 0;
    let failed = 0;
    for (const t of await this.store.unfinished()) {
      // Ours: running here, or created here a moment ago and about to run.
      if (this.#running.has(t.taskId) || t.lease?.holder === this.#holder) continue;
      const now = Date.now();
      if (!(await this.store.claim(t.taskId, this.#holder, now + this.#opts.leaseMs, now))) continue;
      const work = resume(t);
      if (work) {
        await this.store.update(t.taskId, { status: "working", lastUpdatedAt: now, statusMessage: "Resumed after a server restart." });
        this.execute({ ...t, status: "working" }, undefined, `resume:${t.taskId}`, work);
        resumed++;
      } else {
        await this.store.update(t.taskId, {
          status: "failed",
          lastUpdatedAt: now,
          statusMessage: "The server restarted while this task was running; run it again.",
          error: { code: ErrorCode.InternalError, message: "the server restarted while this task was running" },
          lease: undefined,
        });
        failed++;
      }
    }
    return { resumed, failed };
  }

  async close(): Promise<void> {
    clearInterval(this.#leaseTimer);
    clearInterval(this.#sweeper);
    await this.store.close?.();
  }
}

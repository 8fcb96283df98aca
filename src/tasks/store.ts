/**
 * TaskStore: where tasks (SEP-1686, tasks.mdx) live, so that results outlast the request that started them
 * and, with a durable store, the process. The store only stores; the status machine is enforced by the
 * task manager (manager.ts).
 *
 * Every read takes the owner (the session, or the principal when auth is on): a task of another owner is
 * indistinguishable from a missing one. Stores must expire tasks past their ttl on their own (`sweep`).
 *
 * Several processes may share one store. A running task carries a lease (the process that runs it, and until
 * when); the process renews it while the work goes on. Only a task whose lease has run out is recovered by
 * another process, and `claim` takes a lease atomically, so that a resumable task runs in one process at a time.
 */
import type { TaskStatus } from "../protocol/tasks.js";

export type { TaskStatus };

/** TaskRecord is one task as stored. Times are epoch milliseconds. */
export interface TaskRecord {
  taskId: string;
  owner: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: number;
  lastUpdatedAt: number;
  /** Lifetime from creation in ms; null is unlimited. */
  ttl: number | null;
  pollInterval?: number;
  /** The request that created the task, for resumable handlers: method and params. */
  method: string;
  params: Record<string, unknown>;
  /** The final result, when completed (or failed with a result, such as isError tool results). */
  result?: Record<string, unknown>;
  /** The final JSON-RPC error, when the request failed with one. */
  error?: { code: number; message: string; data?: unknown };
  /** Who runs the task and until when (epoch ms); absent once it is terminal or when nobody runs it. */
  lease?: TaskLease;
}

/** TaskLease: the process running a task, and how long that claim holds unless renewed. */
export interface TaskLease {
  holder: string;
  until: number;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Opaque: the createdAt/taskId of the last task sent. */
  nextCursor?: string;
}

export interface TaskStore {
  create(task: TaskRecord): void | Promise<void>;
  /** get returns the task if it exists and belongs to `owner`. */
  get(owner: string, taskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  /** load returns a task by id whatever its owner: for the task manager's own bookkeeping, never for callers. */
  load(taskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  /** update writes fields of an existing task (no owner check: callers hold a task they already read). */
  update(taskId: string, patch: Partial<Omit<TaskRecord, "taskId" | "owner" | "createdAt">>): void | Promise<void>;
  /** list returns `owner`'s tasks, oldest first, `limit` at a time after `cursor`. */
  list(owner: string, cursor: string | undefined, limit: number): TaskPage | Promise<TaskPage>;
  /** unfinished returns every task not in a terminal status, of every owner (for recovery). */
  unfinished(): TaskRecord[] | Promise<TaskRecord[]>;
  /**
   * claim takes or renews the lease of an unfinished task for `holder` until `until`, atomically: it succeeds
   * only when the task has no lease, its lease ran out before `now`, or `holder` already holds it. Returns
   * whether `holder` holds the lease now. A terminal or missing task cannot be claimed.
   */
  claim(taskId: string, holder: string, until: number, now: number): boolean | Promise<boolean>;
  /**
   * newLeaseHolder names a process as a lease holder. Optional: a store that can tell a dead process on its
   * own host from a live one (SQLite) encodes what it needs to, and may then treat such a holder's lease as run out.
   */
  newLeaseHolder?(): string;
  /** sweep deletes tasks whose ttl has passed. */
  sweep(now?: number): void | Promise<void>;
  /**
   * take spends one token of `key`'s bucket (refilled at `limit.perSecond`, holding up to `limit.burst`) and
   * returns 0, or the milliseconds to wait when the bucket is empty. Optional: a store that several processes
   * share (Redis) counts the task rate limit for all of them; without it each process counts on its own.
   */
  take?(key: string, limit: { perSecond: number; burst: number }, now: number): number | Promise<number>;
  close?(): void | Promise<void>;
}

/** InvalidCursorError is thrown by list for a cursor it did not issue. */
export class InvalidCursorError extends Error {
  readonly code = "INVALID_CURSOR";
}

export function encodeTaskCursor(t: TaskRecord): string {
  return btoa(JSON.stringify([t.createdAt, t.taskId])).replace(/=+$/, "");
}

export function decodeTaskCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(atob(cursor)) as unknown;
    if (Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new InvalidCursorError(`cursor ${JSON.stringify(cursor)} was not issued by this server`);
}

export function isExpired(t: TaskRecord, now: number): boolean {
  return t.ttl !== null && now > t.createdAt + t.ttl;
}

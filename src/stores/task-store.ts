/**
 * TaskStore: where tasks (SEP-1686, tasks.mdx) live, so that results outlast the request that started them
 * and, with a durable store, the process. The store only stores; the status machine is enforced by the
 * task manager above it (server/tasks.ts).
 *
 * Every read takes the owner (the session, or the principal when auth is on): a task of another owner is
 * indistinguishable from a missing one. Stores must expire tasks past their ttl on their own (`sweep`).
 */

export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled"]);

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
  /** unfinished returns every task not in a terminal status, of every owner (for start-up recovery). */
  unfinished(): TaskRecord[] | Promise<TaskRecord[]>;
  /** sweep deletes tasks whose ttl has passed. */
  sweep(now?: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** InvalidCursorError is thrown by list for a cursor it did not issue. */
export class InvalidCursorError extends Error {}

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

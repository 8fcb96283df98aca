/**
 * What the task core shares with the roles that use it: its options, who calls it, what a task's work may do
 * while it runs and what it ends with, and how a stored task looks on the wire.
 */
import type { Task } from "../protocol/generated/schema-types.js";
import type { RequestOptions } from "../jsonrpc/outgoing.js";
import type { RateLimit } from "./rate-limit.js";
import type { TaskRecord, TaskStore } from "./store.js";

/** TaskOptions configure task receiving (on an McpServer or an McpClient). Every field is optional. */
export interface TaskOptions {
  /** Where tasks live. Default: a MemoryTaskStore (the example server and serveHttp users pass SqliteTaskStore). */
  store?: TaskStore;
  /** ttl when the client asks for none; null is unlimited. Default 1 hour. */
  defaultTtlMs?: number | null;
  /** The longest ttl granted; longer requests are capped. null allows unlimited (ttl: null). Default 24 hours. */
  maxTtlMs?: number | null;
  /** pollInterval suggested to clients. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Page size of tasks/list. Default 100. */
  pageSize?: number;
  /**
   * Per-owner limit on task operations (creation and tasks/*), against denial of service and task-id
   * enumeration (tasks.mdx, "Security"): a token bucket refilled at `perSecond` holding up to `burst`.
   * Past it, requests fail with -32013 (RateLimited) and a retry hint. Default 1 000/s with a burst of 2 000; false turns it off.
   */
  rateLimit?: RateLimit | false;
  /**
   * How long this process's claim on a running task holds without renewal, in ms; it is renewed every third of
   * that while the task runs. Another process sharing the store recovers the task only after the lease runs out
   * (or at once, with SqliteTaskStore, when the holder was a process on the same host that no longer exists).
   * Default 15 000.
   */
  leaseMs?: number;
}

/**
 * TaskCaller is who asks for a task operation: the owner its tasks belong to and, when the owner is only a
 * session (no authenticated principal), the client's network address, so that opening a new session does not
 * buy a fresh rate-limit bucket. A plain string is an owner with no address.
 */
export type TaskCaller = string | { owner: string; address?: string };

/** ownerOf is the owner of a caller. */
export const ownerOf = (c: TaskCaller) => (typeof c === "string" ? c : c.owner);

/** toWireTask renders a stored task as the protocol's Task. */
export function toWireTask(t: TaskRecord): Task {
  const out: Task = {
    taskId: t.taskId,
    status: t.status,
    createdAt: new Date(t.createdAt).toISOString(),
    lastUpdatedAt: new Date(t.lastUpdatedAt).toISOString(),
    ttl: t.ttl,
  };
  if (t.statusMessage !== undefined) out.statusMessage = t.statusMessage;
  if (t.pollInterval !== undefined) out.pollInterval = t.pollInterval;
  return out;
}

/** TaskControl is what a task's work can do while it runs. */
export interface TaskControl {
  taskId: string;
  /** Aborted when the task is cancelled. */
  signal: AbortSignal;
  /** Sends a notification to the requestor, tagged with the related-task metadata. */
  notify(method: string, params?: Record<string, unknown>): void;
  /** Asks the requestor something; the task is input_required until the answer comes. */
  request(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<Record<string, unknown>>;
  setStatusMessage(message: string): void;
  /** Marks the task as waiting for input (or back at work): for questions that travel another way than `request`. */
  setInputRequired(waiting: boolean): Promise<unknown>;
}

/** What a task's work ends with: a result (completed, or failed for results that report failure) or an error. */
export type TaskOutcome = { status: "completed" | "failed"; result: Record<string, unknown> };

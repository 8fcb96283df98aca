/** MemoryTaskStore keeps tasks in process memory: for tests and servers that need no restart safety. */
import { TERMINAL_STATUSES } from "../protocol/tasks.js";
import { decodeTaskCursor, encodeTaskCursor, isExpired, type TaskPage, type TaskRecord, type TaskStore } from "./store.js";

export class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, TaskRecord>();

  create(task: TaskRecord): void {
    this.#tasks.set(task.taskId, structuredClone(task));
  }

  get(owner: string, taskId: string): TaskRecord | undefined {
    const t = this.#tasks.get(taskId);
    return t && t.owner === owner && !isExpired(t, Date.now()) ? structuredClone(t) : undefined;
  }

  load(taskId: string): TaskRecord | undefined {
    const t = this.#tasks.get(taskId);
    return t ? structuredClone(t) : undefined;
  }

  update(taskId: string, patch: Partial<TaskRecord>): void {
    const t = this.#tasks.get(taskId);
    if (t) Object.assign(t, structuredClone(patch));
  }

  list(owner: string, cursor: string | undefined, limit: number): TaskPage {
    const after = cursor === undefined ? undefined : decodeTaskCursor(cursor);
    const now = Date.now();
    const mine = [...this.#tasks.values()]
      .filter((t) => t.owner === owner && !isExpired(t, now))
      .sort((a, b) => a.createdAt - b.createdAt || (a.taskId < b.taskId ? -1 : 1))
      .filter((t) => !after || t.createdAt > after[0] || (t.createdAt === after[0] && t.taskId > after[1]));
    const page = mine.slice(0, limit).map((t) => structuredClone(t));
    return mine.length > limit ? { tasks: page, nextCursor: encodeTaskCursor(page[page.length - 1]!) } : { tasks: page };
  }

  unfinished(): TaskRecord[] {
    return [...this.#tasks.values()].filter((t) => !TERMINAL_STATUSES.has(t.status)).map((t) => structuredClone(t));
  }

  claim(taskId: string, holder: string, until: number, now: number): boolean {
    const t = this.#tasks.get(taskId);
    if (!t || TERMINAL_STATUSES.has(t.status)) return false;
    if (t.lease && t.lease.holder !== holder && t.lease.until >= now) return false;
    t.lease = { holder, until };
    return true;
  }

  sweep(now = Date.now()): void {
    for (const [id, t] of this.#tasks) if (isExpired(t, now)) this.#tasks.delete(id);
  }
}

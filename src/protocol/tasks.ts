/**
 * What the protocol says about tasks (tasks.mdx), whoever runs them: the statuses, which of them are final, the
 * moves the status machine allows, and the `_meta` key that ties messages to a task.
 */
import type { TaskStatus } from "./generated/schema-types.js";

export type { TaskStatus };

/** Statuses a task never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled"]);

/** The status machine: working → input_required ↔ working → completed | failed | cancelled. */
const MOVES: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  working: ["input_required", "completed", "failed", "cancelled"],
  input_required: ["working", "completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

/** canMove tells whether the status machine allows `from` → `to`. */
export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return MOVES[from].includes(to);
}

/** The _meta key that ties messages to a task. */
export const RELATED_TASK = "io.modelcontextprotocol/related-task";

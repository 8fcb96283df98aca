/**
 * View state: what a view saves and gets back when it is shown again (ext-apps issues #62 and #417 ask for this;
 * the spec has no method for it yet). Trellis hosts offer it as an experimental host capability,
 * `dev.trellis/view-state`, with two methods a view calls over its bridge. State is keyed by server, view and the
 * tool call the view belongs to, so a view shown again for the same call gets its state back and no other does.
 */

/** The experimental capability and its methods. */
export const VIEW_STATE_CAPABILITY = "dev.trellis/view-state";
export const VIEW_STATE_GET = "dev.trellis/view-state/get";
export const VIEW_STATE_SET = "dev.trellis/view-state/set";
/** The largest state a view may save, as JSON. */
export const MAX_VIEW_STATE_BYTES = 64 * 1024;

/** ViewStateStore keeps view state; the host's application chooses where (memory, a file, its database). */
export interface ViewStateStore {
  get(key: string): Promise<unknown | undefined> | unknown | undefined;
  set(key: string, state: unknown): Promise<void> | void;
}

/** MemoryViewStateStore keeps state for the life of the process, at most `max` entries (the oldest go first). */
export class MemoryViewStateStore implements ViewStateStore {
  readonly #states = new Map<string, unknown>();
  readonly #max: number;
  constructor(max = 10_000) {
    this.#max = max;
  }
  get(key: string): unknown | undefined {
    return this.#states.get(key);
  }
  set(key: string, state: unknown): void {
    this.#states.delete(key);
    this.#states.set(key, state);
    if (this.#states.size > this.#max) this.#states.delete(this.#states.keys().next().value!);
  }
}

/** MemorySessionStore keeps session records in process memory (tests; restarts forget them). */
import type { SessionRecord, SessionStore } from "../session-store.js";

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  save(record: SessionRecord): void {
    this.#sessions.set(record.sessionId, structuredClone(record));
  }
  load(sessionId: string): SessionRecord | undefined {
    const r = this.#sessions.get(sessionId);
    return r && structuredClone(r);
  }
  delete(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }
}

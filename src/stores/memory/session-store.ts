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
  touch(sessionId: string, lastSeenAt: number): void {
    const r = this.#sessions.get(sessionId);
    if (r) r.lastSeenAt = lastSeenAt;
  }
  delete(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }
  sweep(idleBefore: number): string[] {
    const gone: string[] = [];
    for (const [id, r] of this.#sessions) if (r.lastSeenAt < idleBefore) gone.push(id);
    for (const id of gone) this.#sessions.delete(id);
    return gone;
  }
}

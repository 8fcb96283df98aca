/**
 * SessionStore: what a Streamable HTTP session negotiated, kept so that the session outlives its process. A
 * server restarted on the same store accepts the client's Mcp-Session-Id again, and the tasks bound to that
 * session stay reachable. Live state (open streams, in-flight requests) is not stored: it dies with the process.
 *
 * Records are written once a session is confirmed (the client sent `notifications/initialized`), touched as it
 * is used, and must disappear when it ends or has been idle too long: the handler deletes ended sessions and
 * calls `sweep` for idle ones, so a store never grows with sessions nobody uses.
 */
export interface SessionRecord {
  sessionId: string;
  /** The principal the session is bound to (principalKey), when auth is on. Never a token. */
  owner?: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
  createdAt: number;
  /** When the session was last used (epoch ms); the idle timeout counts from here, across restarts. */
  lastSeenAt: number;
  /** The client's logging/setLevel threshold, if it set one. */
  logLevel?: string;
  /** The resource URIs the client subscribed to. */
  subscriptions?: string[];
}

export interface SessionStore {
  save(record: SessionRecord): void | Promise<void>;
  load(sessionId: string): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  /** touch records a use of the session; a missing session is ignored. */
  touch(sessionId: string, lastSeenAt: number): void | Promise<void>;
  delete(sessionId: string): void | Promise<void>;
  /** sweep deletes sessions last used before `idleBefore` and returns their ids. */
  sweep(idleBefore: number): string[] | Promise<string[]>;
  /**
   * sharedSecret returns the 32 random bytes stored under `name`, made by the first process that asks, so every
   * process on this store signs alike (2026-07-28 requestState). Stores private to one process leave it out.
   */
  sharedSecret?(name: string): Promise<Uint8Array>;
  close?(): void | Promise<void>;
}

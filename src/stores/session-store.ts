/**
 * SessionStore: what a Streamable HTTP session negotiated, kept so that the session outlives its process. A
 * server restarted on the same store accepts the client's Mcp-Session-Id again, and the tasks bound to that
 * session stay reachable. Live state (open streams, in-flight requests) is not stored: it dies with the process.
 */
export interface SessionRecord {
  sessionId: string;
  /** The principal the session is bound to, when auth is on. */
  owner?: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
  createdAt: number;
}

export interface SessionStore {
  save(record: SessionRecord): void | Promise<void>;
  load(sessionId: string): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  delete(sessionId: string): void | Promise<void>;
  close?(): void | Promise<void>;
}

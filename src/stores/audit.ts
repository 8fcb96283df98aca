/**
 * AuditSink: where authorization events and MCP requests are recorded (who did what, when, with what outcome),
 * for the people who must answer "who called delete_repo last Tuesday". Records never hold a secret: no token,
 * code, password or client secret reaches a sink — the writers pass identifiers, scopes and outcomes only, and
 * tool arguments as a hash unless the application asks for them.
 */
export interface AuditEvent {
  /** ISO 8601 time. Set by the writer. */
  at: string;
  /**
   * What happened: "login", "login_failed", "consent", "consent_denied", "token_issued", "token_refused",
   * "token_refreshed", "token_revoked", "refresh_reuse", "client_registered", "grant_revoked", "audit_read", or "mcp_request".
   */
  type: string;
  /** The user (subject) concerned, when there is one. */
  subject?: string;
  clientId?: string;
  scopes?: string[];
  grantType?: string;
  /** The resource (MCP server) concerned. */
  resource?: string;
  /** The identity provider that vouched for the user (federation, ID-JAG). */
  idp?: string;
  /** "ok", or what went wrong ("invalid_grant", "forbidden", an error code...). */
  outcome?: string;
  /** MCP requests: the method, and the tool / resource / prompt it names. */
  method?: string;
  target?: string;
  durationMs?: number;
  /** The principal that acts for another (an agent for a user), when the token says so (`act`). */
  onBehalfOf?: string;
  /** Anything else worth keeping, never a secret. */
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  type?: string | string[];
  subject?: string;
  clientId?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** Most records returned, newest first. Default 100, at most 10 000. */
  limit?: number;
}

export interface AuditSink {
  write(event: AuditEvent): void | Promise<void>;
  query?(q: AuditQuery): AuditEvent[] | Promise<AuditEvent[]>;
  close?(): void | Promise<void>;
}

/** MemoryAuditSink keeps the last `max` events in memory (tests, demos). */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  readonly #max: number;
  constructor(max = 10_000) {
    this.#max = max;
  }
  write(event: AuditEvent): void {
    this.events.push(event);
    if (this.events.length > this.#max) this.events.shift();
  }
  query(q: AuditQuery = {}): AuditEvent[] {
    return filterAudit(this.events, q);
  }
}

/** filterAudit applies a query to events in memory, newest first. */
export function filterAudit(events: readonly AuditEvent[], q: AuditQuery): AuditEvent[] {
  const types = q.type === undefined ? undefined : Array.isArray(q.type) ? q.type : [q.type];
  const limit = Math.min(Math.max(1, q.limit ?? 100), 10_000);
  const out: AuditEvent[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
    const e = events[i]!;
    if (types && !types.includes(e.type)) continue;
    if (q.subject !== undefined && e.subject !== q.subject) continue;
    if (q.clientId !== undefined && e.clientId !== q.clientId) continue;
    if (q.since !== undefined && e.at < q.since) continue;
    if (q.until !== undefined && e.at > q.until) continue;
    out.push(e);
  }
  return out;
}

/** toJsonLines renders events as JSON Lines (one event per line), the export format. */
export function toJsonLines(events: Iterable<AuditEvent>): string {
  let out = "";
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}

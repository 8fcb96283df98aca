/**
 * auditRequests: every MCP request that reaches a handler, as an audit record — principal, client, on whose
 * behalf (`act`), method, the tool / resource / prompt, outcome and duration. Arguments are recorded as a
 * SHA-256 hash (enough to match a known call, useless to read a secret) unless `arguments: true`.
 * Use: `new McpServer(info, { onRequest: auditRequests(sink) })`.
 */
import { createHash } from "node:crypto";
import type { RequestRecord } from "../../server/server.js";
import type { AuditEvent, AuditSink } from "../../stores/audit.js";

export interface AuditRequestsOptions {
  /** Record tool and prompt arguments in clear. Default false: a hash. */
  arguments?: boolean;
  /** Called when the sink fails (the request itself is not affected). */
  onerror?: (err: Error) => void;
}

export function auditRequests(
  sink: AuditSink | { record(event: Omit<AuditEvent, "at">): Promise<void> },
  options: AuditRequestsOptions = {},
) {
  const write =
    "write" in sink
      ? (e: Omit<AuditEvent, "at">) => sink.write({ at: new Date().toISOString(), ...e })
      : (e: Omit<AuditEvent, "at">) => sink.record(e);
  return (r: RequestRecord): void => {
    const args = (r.params as { arguments?: unknown }).arguments;
    const claims = (r.auth?.extra?.claims ?? {}) as { act?: { sub?: unknown } };
    const event: Omit<AuditEvent, "at"> = {
      type: "mcp_request",
      subject: r.auth?.subject,
      clientId: r.auth?.clientId,
      method: r.method,
      target: r.target,
      outcome: r.outcome,
      durationMs: Math.round(r.durationMs * 1000) / 1000,
      ...(typeof claims.act?.sub === "string" ? { onBehalfOf: claims.act.sub } : {}),
      ...(args === undefined
        ? {}
        : {
            detail: options.arguments
              ? { arguments: args }
              : { argumentsSha256: createHash("sha256").update(JSON.stringify(args)).digest("hex") },
          }),
    };
    try {
      const p = write(event);
      if (p instanceof Promise) p.catch((err: Error) => options.onerror?.(err));
    } catch (err) {
      options.onerror?.(err as Error);
    }
  };
}

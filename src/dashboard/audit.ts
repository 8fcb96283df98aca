/**
 * readAuditLog: the dashboard's Audit view reads a Trellis authorization server's audit log (`GET {issuer}/audit`,
 * advertised as `trellis_audit_endpoint`) with the access token its connection holds. The endpoint comes from
 * metadata the server chose, so it must be on the issuer's own origin: the token goes nowhere else.
 */
export interface AuditFilter {
  type?: string;
  subject?: string;
  clientId?: string;
  since?: string;
  until?: string;
  limit?: number;
}

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 4 * 1024 * 1024;

/** auditEndpoint is the metadata's audit endpoint when it is on the issuer's origin, else undefined. */
export function auditEndpoint(asMetadata: Record<string, unknown> | undefined): URL | undefined {
  const at = asMetadata?.trellis_audit_endpoint;
  const issuer = asMetadata?.issuer;
  if (typeof at !== "string" || typeof issuer !== "string" || !URL.canParse(at) || !URL.canParse(issuer)) return undefined;
  const url = new URL(at);
  return url.origin === new URL(issuer).origin ? url : undefined;
}

export async function readAuditLog(endpoint: URL, accessToken: string, filter: AuditFilter): Promise<unknown[]> {
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
    redirect: "error",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  if (text.length > MAX_BYTES) throw new Error("the audit log's answer is too large; narrow the filter or lower the limit");
  let body: { events?: unknown[]; error?: string; error_description?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`the audit endpoint answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) throw new Error(`the audit endpoint answered ${res.status}: ${body.error_description ?? body.error ?? ""}`);
  if (!Array.isArray(body.events)) throw new Error("the audit endpoint's answer has no events list");
  return body.events;
}

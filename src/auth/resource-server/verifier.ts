/**
 * TokenVerifier: how a resource server turns a bearer token into an AuthInfo (authorization.mdx, "Token
 * Handling"). Implementations must check that the token was issued for this server (audience), by the trusted
 * issuer, and is within its lifetime; they throw InvalidTokenError otherwise.
 */
import type { AuthInfo } from "../../jsonrpc/transport.js";

export interface TokenVerifier {
  verify(token: string): Promise<AuthInfo>;
}

/** InvalidTokenError means 401 with error="invalid_token"; the message becomes error_description. */
export class InvalidTokenError extends Error {
  readonly code = "INVALID_TOKEN";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidTokenError";
  }
}

/** scopesOf reads scopes from the claims OAuth servers use: "scope" (space-separated) or "scp" (array). */
export function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === "string") return claims.scope.split(" ").filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === "string");
  if (typeof claims.scp === "string") return claims.scp.split(" ").filter(Boolean);
  return [];
}

/** boundKeyOf reads the DPoP key binding (RFC 9449 section 6: `cnf.jkt`) from token claims or an introspection answer. */
export function boundKeyOf(claims: Record<string, unknown>): string | undefined {
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  return typeof cnf?.jkt === "string" ? cnf.jkt : undefined;
}

/**
 * bearerAuth: an OAuth 2.1 resource server (authorization.mdx) as an HttpAuthenticator for the Streamable HTTP
 * handler. Every request needs a token its verifier accepts, issued for this server and naming a principal; a
 * DPoP-bound token needs a valid proof; `requiredScopes` hold for everything and per-item scopes (looked up by the
 * handler) for each JSON-RPC request, so a client learns what to ask for from the 401 / 403 challenge. It also
 * provides the Protected Resource Metadata (RFC 9728) that the challenge points to.
 */
import { ErrorCode, misuse } from "../../protocol/errors.js";
import { principalKey, type AuthInfo } from "../../jsonrpc/transport.js";
import type { HttpAuthenticator, ScopeLookup } from "../../transports/http/authenticator.js";
import { errorReply, type HttpReply } from "../../transports/http/reply.js";
import type { HttpRequestLike } from "../../transports/http/request.js";
import { DpopError, DpopProofVerifier, type DpopOptions } from "./dpop-verifier.js";
import { metadataUrl, wellKnownPaths, type ProtectedResourceMetadata } from "./metadata.js";
import type { TokenVerifier } from "./verifier.js";

/** BearerAuthOptions make a server an OAuth 2.1 resource server. */
export interface BearerAuthOptions {
  /** Checks access tokens (JwtTokenVerifier, IntrospectionTokenVerifier, or your own). */
  verifier: TokenVerifier;
  /** This server's canonical URI, the MCP endpoint URL: tokens must be issued for it. */
  resource: string;
  /** Authorization servers that issue tokens for it, listed in the Protected Resource Metadata. */
  authorizationServers: string[];
  /** Scopes every request needs; announced in the 401 challenge. Default none. */
  requiredScopes?: string[];
  /** scopes_supported in the metadata. Default: requiredScopes. */
  scopesSupported?: string[];
  /** resource_name in the metadata. */
  resourceName?: string;
  /** DPoP (RFC 9449): proofs are always checked for DPoP-bound tokens; this can require DPoP, nonces, algorithms. */
  dpop?: DpopOptions;
}

type Challenge = { error?: string; description?: string; scope?: string[]; dpop?: boolean; nonce?: string };

/** bearerAuth validates its options at once and returns the authenticator to pass as the handler's `auth`. */
export function bearerAuth(options: BearerAuthOptions): HttpAuthenticator {
  const a = options;
  if (typeof a?.verifier?.verify !== "function")
    throw misuse(
      "bearerAuth: verifier must be a TokenVerifier, such as new JwtTokenVerifier({ issuer, audience, jwks })",
      "ERR_INVALID_ARG_TYPE",
    );
  if (typeof a.resource !== "string" || !/^https?:\/\//.test(a.resource) || !URL.canParse(a.resource)) {
    throw misuse(
      `bearerAuth: resource must be this server's canonical URI, the absolute URL of its MCP endpoint (such as "https://mcp.example.com/mcp"); got ${JSON.stringify(a.resource)}`,
    );
  }
  if (
    !Array.isArray(a.authorizationServers) ||
    a.authorizationServers.length === 0 ||
    a.authorizationServers.some((u) => !URL.canParse(u))
  ) {
    throw misuse("bearerAuth: authorizationServers must list at least one issuer URL (RFC 9728 requires it)");
  }
  const dpop = new DpopProofVerifier(a.dpop);
  const resource = new URL(a.resource);

  /** A 400/401/403 with its challenge: Bearer, or DPoP (with the proof algorithms) when DPoP is required or at fault. */
  const challenge = (status: 400 | 401 | 403, c: Challenge): HttpReply => {
    const parts = [`resource_metadata="${metadataUrl(a.resource)}"`];
    const scope = c.scope ?? a.requiredScopes;
    if (scope?.length) parts.push(`scope="${scope.join(" ")}"`);
    if (c.error) parts.push(`error="${c.error}"`);
    if (c.description) parts.push(`error_description="${c.description.replace(/["\\]/g, "'")}"`);
    const useDpop = c.dpop || dpop.required;
    if (useDpop) parts.push(`algs="${dpop.algorithms.join(" ")}"`);
    const message =
      c.description ?? (status === 401 ? "unauthorized: this server needs an OAuth access token (see WWW-Authenticate)" : "forbidden");
    const headers: Record<string, string> = { "www-authenticate": `${useDpop ? "DPoP" : "Bearer"} ${parts.join(", ")}` };
    if (c.nonce) headers["dpop-nonce"] = c.nonce;
    const code = status === 401 ? ErrorCode.Unauthorized : status === 403 ? ErrorCode.Forbidden : ErrorCode.InvalidRequest;
    return errorReply(status, code, message, null, headers);
  };

  /**
   * A DPoP-bound token (cnf.jkt) is accepted only as `Authorization: DPoP` with a valid proof by its key, so a
   * stolen token is useless alone; an unbound token is accepted only as Bearer (RFC 9449 section 7).
   */
  const checkBinding = async (req: HttpRequestLike, scheme: string, token: string, info: AuthInfo): Promise<HttpReply | undefined> => {
    if (scheme === "bearer") {
      if (info.dpopThumbprint)
        return challenge(401, {
          error: "invalid_token",
          description: 'the access token is bound to a DPoP key (cnf.jkt); present it as "Authorization: DPoP" with a DPoP proof',
          dpop: true,
        });
      if (dpop.required)
        return challenge(401, { error: "invalid_token", description: "this server accepts only DPoP-bound access tokens" });
      return undefined;
    }
    if (!info.dpopThumbprint)
      return challenge(401, {
        error: "invalid_token",
        description: "the access token is not bound to a DPoP key; present it as a Bearer token",
        dpop: true,
      });
    const proof = req.header("dpop");
    if (!proof || proof.includes(","))
      return challenge(401, {
        error: "invalid_dpop_proof",
        description: "a DPoP request needs exactly one DPoP header with a proof",
        dpop: true,
      });
    const path = (req.url ?? "").split("?")[0]!;
    const host = req.header("host");
    // htu is the URL the client addressed: this server's canonical URI, or the same scheme with the Host it used.
    const urls = [
      `${resource.origin}${resource.pathname}`,
      ...(host && path.startsWith("/") ? [`${resource.protocol}//${host}${path}`] : []),
    ];
    try {
      await dpop.verify(proof, { method: req.method, urls }, token, info.dpopThumbprint);
    } catch (err) {
      if (!(err instanceof DpopError)) throw err;
      return challenge(401, { error: err.error, description: err.message, dpop: true, nonce: err.nonce });
    }
    return undefined;
  };

  return {
    async authenticate(req) {
      const q = req.url?.indexOf("?") ?? -1;
      if (q !== -1 && new URLSearchParams(req.url!.slice(q + 1)).has("access_token")) {
        return challenge(400, {
          error: "invalid_request",
          description: "access tokens must not be sent in the query string; use the Authorization header",
        });
      }
      const header = req.header("authorization");
      const m = header ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
      if (!m)
        return challenge(
          401,
          header ? { error: "invalid_request", description: 'the Authorization header must be "Bearer <token>" or "DPoP <token>"' } : {},
        );
      const token = m[2]!;
      let info: AuthInfo;
      try {
        info = await a.verifier.verify(token);
      } catch (err) {
        return challenge(401, { error: "invalid_token", description: err instanceof Error ? err.message : "the access token is invalid" });
      }
      const refused = await checkBinding(req, m[1]!.toLowerCase(), token, info);
      if (refused) return refused;
      // Sessions and tasks belong to the principal: a token that names no one cannot own anything.
      if (!principalKey(info))
        return challenge(401, {
          error: "invalid_token",
          description: "the access token identifies no one (it has neither sub nor client_id)",
        });
      const missing = (a.requiredScopes ?? []).filter((s) => !info.scopes.includes(s));
      if (missing.length)
        return challenge(403, {
          error: "insufficient_scope",
          description: `this server needs the scope(s) ${missing.join(" ")}`,
          scope: [...new Set([...info.scopes, ...(a.requiredScopes ?? [])])],
        });
      return info;
    },

    async authorize(caller: AuthInfo, method: string, params: Record<string, unknown>, scopesFor: ScopeLookup) {
      const need = await scopesFor(method, params, caller);
      const missing = need.filter((s) => !caller.scopes.includes(s));
      if (!missing.length) return undefined;
      return challenge(403, {
        error: "insufficient_scope",
        description: `${itemName(method, params)} needs the scope(s) ${missing.join(" ")}`,
        scope: [...new Set([...caller.scopes, ...need])],
      });
    },

    wellKnown() {
      const document: ProtectedResourceMetadata = {
        resource: a.resource,
        authorization_servers: a.authorizationServers,
        bearer_methods_supported: ["header"],
      };
      const scopes = a.scopesSupported ?? a.requiredScopes;
      if (scopes?.length) document.scopes_supported = scopes;
      if (a.resourceName) document.resource_name = a.resourceName;
      document.dpop_signing_alg_values_supported = dpop.algorithms;
      if (dpop.required) document.dpop_bound_access_tokens_required = true;
      return { paths: wellKnownPaths(a.resource), document };
    },
  };
}

/** itemName names what a scoped request reaches, for the 403 description: "admin", "test://x", task "1234". */
function itemName(method: string, params: Record<string, unknown>): string {
  const ref = params.ref as { name?: unknown; uri?: unknown } | undefined;
  const name = params.name ?? params.uri ?? ref?.name ?? ref?.uri;
  if (name !== undefined) return JSON.stringify(String(name));
  if (typeof params.taskId === "string") return `task ${JSON.stringify(params.taskId)}`;
  return JSON.stringify(method);
}

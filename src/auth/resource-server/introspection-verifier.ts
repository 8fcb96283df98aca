/**
 * IntrospectionTokenVerifier asks the authorization server about opaque tokens (RFC 7662) and checks the answer:
 * active, issued for this server (aud), not expired. Answers are cached briefly to spare the AS.
 */
import type { AuthInfo } from "../../jsonrpc/transport.js";
import { boundKeyOf, InvalidTokenError, scopesOf, type TokenVerifier } from "./verifier.js";
import { misuse, TrellisError } from "../../protocol/errors.js";

export interface IntrospectionTokenVerifierOptions {
  /** The AS's introspection_endpoint. */
  endpoint: string | URL;
  /** This MCP server's canonical URI; the token's `aud` must contain it. */
  audience: string;
  /** Credentials of this resource server at the AS (client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** How long a positive answer is reused, in ms. Default 30 000 (never past the token's exp). */
  cacheMs?: number;
  fetch?: typeof fetch;
}

export class IntrospectionTokenVerifier implements TokenVerifier {
  readonly #opts: IntrospectionTokenVerifierOptions;
  readonly #cache = new Map<string, { info: AuthInfo; until: number }>();

  constructor(options: IntrospectionTokenVerifierOptions) {
    if (!options?.endpoint || !options.audience || !options.clientId)
      throw misuse('new IntrospectionTokenVerifier: "endpoint", "audience", "clientId" and "clientSecret" are required');
    this.#opts = options;
  }

  async verify(token: string): Promise<AuthInfo> {
    const now = Date.now();
    const hit = this.#cache.get(token);
    if (hit && hit.until > now) return hit.info;
    const basic = btoa(`${encodeURIComponent(this.#opts.clientId)}:${encodeURIComponent(this.#opts.clientSecret)}`);
    let body: Record<string, unknown>;
    try {
      const res = await (this.#opts.fetch ?? fetch)(this.#opts.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", authorization: `Basic ${basic}` },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }),
      });
      if (!res.ok) throw new TrellisError("REQUEST_FAILED", `introspection endpoint answered HTTP ${res.status}`);
      body = (await res.json()) as Record<string, unknown>;
    } catch (err) {
      throw new InvalidTokenError(`the access token could not be introspected (${(err as Error).message})`, { cause: err });
    }
    if (body.active !== true) throw new InvalidTokenError("the access token is not active");
    const aud = Array.isArray(body.aud) ? body.aud : [body.aud];
    if (!aud.includes(this.#opts.audience)) throw new InvalidTokenError("the access token was not issued for this server (aud)");
    if (typeof body.exp === "number" && body.exp * 1000 < now) throw new InvalidTokenError("the access token expired");
    const info: AuthInfo = { token, scopes: scopesOf(body), extra: { claims: body } };
    if (typeof body.iss === "string") info.issuer = body.iss;
    const jkt = boundKeyOf(body);
    if (jkt) info.dpopThumbprint = jkt;
    if (typeof body.sub === "string") info.subject = body.sub;
    if (typeof body.client_id === "string") info.clientId = body.client_id;
    if (typeof body.exp === "number") info.expiresAt = body.exp;
    const until = Math.min(now + (this.#opts.cacheMs ?? 30_000), typeof body.exp === "number" ? body.exp * 1000 : Infinity);
    this.#cache.set(token, { info, until });
    if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value!);
    return info;
  }
}

/**
 * JwtTokenVerifier checks JWT access tokens (RFC 9068) with jose: signature against the issuer's JWKS (fetched,
 * cached and refetched on an unknown key id, so key rotation needs no restart), `iss`, `aud` equal to this
 * server's canonical URI (RFC 8707), `exp` / `nbf` with a small clock tolerance, an algorithm allow-list
 * (never "none"), and the `typ` header RFC 9068 gives access tokens ("at+jwt"), so that an ID token or any other
 * JWT the issuer signs cannot pass for one.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import type { JwkSet } from "../jwk.js";
import type { AuthInfo } from "../../jsonrpc/transport.js";
import { boundKeyOf, InvalidTokenError, scopesOf, type TokenVerifier } from "./verifier.js";
import { misuse } from "../../protocol/errors.js";

export interface JwtTokenVerifierOptions {
  /** The authorization server's issuer identifier; `iss` must equal it. */
  issuer: string;
  /** This MCP server's canonical URI; `aud` must contain it. */
  audience: string;
  /** The issuer's JWKS URL (fetched and cached) or a key set. */
  jwks: URL | string | JwkSet;
  /** Accepted signature algorithms. Default RS256, PS256, ES256, EdDSA. */
  algorithms?: string[];
  /** Clock skew allowed on exp / nbf, in seconds. Default 30. */
  clockToleranceSec?: number;
  /** How long a fetched JWKS is trusted before it is fetched again, in ms. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /**
   * The `typ` header values accepted (case-insensitive; "application/" may be left off). Default "at+jwt"
   * (RFC 9068). For an issuer that does not set it, name what it sets (often "JWT"), or false to skip the check.
   */
  typ?: string | string[] | false;
}

export class JwtTokenVerifier implements TokenVerifier {
  readonly #opts: JwtTokenVerifierOptions;
  readonly #keys: ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

  constructor(options: JwtTokenVerifierOptions) {
    if (!options?.issuer || !options.audience || !options.jwks)
      throw misuse('new JwtTokenVerifier: "issuer", "audience" and "jwks" are required');
    this.#opts = options;
    this.#keys =
      typeof options.jwks === "string" || options.jwks instanceof URL
        ? createRemoteJWKSet(new URL(options.jwks), { cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000, cooldownDuration: 30_000 })
        : createLocalJWKSet(options.jwks as JSONWebKeySet);
  }

  async verify(token: string): Promise<AuthInfo> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#opts.issuer,
        audience: this.#opts.audience,
        algorithms: this.#opts.algorithms ?? ["RS256", "PS256", "ES256", "EdDSA"],
        clockTolerance: this.#opts.clockToleranceSec ?? 30,
        requiredClaims: ["exp"],
      }));
    } catch (err) {
      throw new InvalidTokenError(describe(err), { cause: err });
    }
    this.#checkTyp(token);
    const claims = payload as Record<string, unknown>;
    const info: AuthInfo = { token, scopes: scopesOf(claims), extra: { claims } };
    const jkt = boundKeyOf(claims);
    if (jkt) info.dpopThumbprint = jkt;
    if (typeof payload.iss === "string") info.issuer = payload.iss;
    if (typeof payload.sub === "string") info.subject = payload.sub;
    const clientId = claims.client_id ?? claims.azp;
    if (typeof clientId === "string") info.clientId = clientId;
    if (typeof payload.exp === "number") info.expiresAt = payload.exp;
    return info;
  }

  #checkTyp(token: string): void {
    const want = this.#opts.typ ?? "at+jwt";
    if (want === false) return;
    const typ = decodeProtectedHeader(token).typ;
    const norm = (t: string) => t.toLowerCase().replace(/^application\//, "");
    if (typeof typ === "string" && (Array.isArray(want) ? want : [want]).some((w) => norm(w) === norm(typ))) return;
    throw new InvalidTokenError(
      `the access token's typ header is ${typ === undefined ? "missing" : JSON.stringify(typ)}, not ${JSON.stringify(want)} (RFC 9068); if its issuer does not set it, configure JwtTokenVerifier's typ`,
    );
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "the access token expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "the access token was not issued for this server (aud)";
    if (err.claim === "iss") return "the access token comes from an issuer this server does not trust (iss)";
    if (err.claim === "nbf") return "the access token is not valid yet (nbf)";
    return `the access token's "${err.claim}" claim is invalid`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "the access token is signed with a key the issuer does not publish";
  if (err instanceof errors.JOSEAlgNotAllowed) return "the access token uses a signature algorithm this server does not accept";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the access token's signature is invalid";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return "the access token is not a valid JWT";
  return `the access token could not be verified (${err instanceof Error ? err.message : String(err)})`;
}

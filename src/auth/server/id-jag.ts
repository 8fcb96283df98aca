/**
 * Enterprise-managed authorization (SEP-990): the RFC 7523 jwt-bearer grant with an Identity Assertion JWT
 * Authorization Grant (ID-JAG) from an identity provider this server trusts. The IdP decided the user may use
 * this client with this MCP server; this server checks that decision is really the IdP's, for this server, this
 * resource and this client, fresh and never used before — then issues a token (no refresh token: the IdP decides
 * again next time).
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { misuse } from "../../protocol/errors.js";
import type { AuthStore } from "../../stores/auth-store.js";
import { OAuthError } from "./http.js";
import type { TrustedIdp } from "./options.js";

export interface VerifiedIdJag {
  idp: TrustedIdp & { name: string };
  subject: string;
  resource: string;
  scopes?: string[];
  groups: string[];
  jti: string;
  email?: string;
}

export class IdJagVerifier {
  readonly #idps: Array<{
    idp: TrustedIdp & { name: string };
    keys: ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;
  }>;
  readonly #store: AuthStore;

  constructor(idps: TrustedIdp[], store: AuthStore) {
    this.#store = store;
    this.#idps = idps.map((i) => {
      if (!i?.issuer || !i.jwks) throw misuse("authServer: each trusted IdP needs an issuer and jwks (a URL or a key set)");
      const name = i.name ?? new URL(i.issuer).host;
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
        throw misuse(`authServer: IdP name ${JSON.stringify(name)} must be 1-64 of letters, digits, . _ -`);
      const keys =
        typeof i.jwks === "string"
          ? createRemoteJWKSet(new URL(i.jwks), { cacheMaxAge: 600_000 })
          : createLocalJWKSet(i.jwks as JSONWebKeySet);
      return { idp: { ...i, name }, keys };
    });
  }

  get enabled(): boolean {
    return this.#idps.length > 0;
  }

  /** verify checks an ID-JAG presented by `clientId` to this server (`issuer`). Throws OAuthError invalid_grant. */
  async verify(assertion: string, issuer: string, clientId: string): Promise<VerifiedIdJag> {
    const refuse = (why: string) => new OAuthError("invalid_grant", `the ID-JAG is refused: ${why}`);
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      unverified = decodeJwt(assertion);
    } catch {
      throw refuse("it is not a JWT");
    }
    if (header.typ !== "oauth-id-jag+jwt") throw refuse(`its typ is ${JSON.stringify(header.typ)}, not oauth-id-jag+jwt`);
    const trusted = this.#idps.find((i) => i.idp.issuer === unverified.iss);
    if (!trusted) throw refuse(`its issuer ${JSON.stringify(unverified.iss)} is not a trusted identity provider`);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, trusted.keys, {
        issuer: trusted.idp.issuer,
        audience: issuer,
        typ: "oauth-id-jag+jwt",
        requiredClaims: ["exp", "iat", "jti", "sub", "client_id"],
        clockTolerance: 30,
        maxTokenAge: "10 minutes",
        algorithms: ["RS256", "PS256", "ES256", "ES384", "EdDSA"],
      }));
    } catch (err) {
      throw refuse((err as Error).message);
    }
    if (payload.client_id !== clientId) throw refuse(`it was issued to client ${JSON.stringify(payload.client_id)}, not ${clientId}`);
    const resource = payload.resource;
    if (typeof resource !== "string") throw refuse("it names no resource");
    const fresh = await this.#store.add(
      "replay",
      `idjag ${trusted.idp.issuer} ${String(payload.jti)}`,
      1,
      (payload.exp as number) * 1000 + 60_000,
    );
    if (!fresh) throw refuse("it was already used (jti replayed)");
    const groups = Array.isArray(payload.groups) ? payload.groups.filter((g): g is string => typeof g === "string") : [];
    return {
      idp: trusted.idp,
      subject: String(payload.sub),
      resource,
      scopes: typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : undefined,
      groups,
      jti: String(payload.jti),
      email: typeof payload.email === "string" ? payload.email : undefined,
    };
  }
}

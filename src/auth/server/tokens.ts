/**
 * Tokens: RFC 9068 JWT access tokens (typ at+jwt, `aud` the one resource they are for, `cnf.jkt` when DPoP-bound)
 * and refresh token families. A refresh token is `<family>.<secret>`; the store keeps only secrets' hashes. Each
 * use rotates it; the token just replaced still works for a short grace window (two requests refreshing at once
 * both succeed), and after that window any use of a replaced token revokes the whole family — it means the token
 * was copied — together with the access tokens minted from it.
 */
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import type { AuthInfo } from "../../jsonrpc/transport.js";
import type { AuthStore } from "../../stores/auth-store.js";
import { InvalidTokenError, type TokenVerifier } from "../resource-server/verifier.js";
import { randomToken, sha256 } from "./http.js";
import type { SigningKeys } from "./keys.js";

/** A grant as refresh tokens carry it: who, which client, what for. */
export interface Family {
  id: string;
  clientId: string;
  subject: string;
  userName?: string;
  scopes: string[];
  resource: string;
  grantType: string;
  idp?: string;
  jkt?: string;
  createdAt: number;
  expiresAt: number;
  revoked?: boolean;
  secrets: Array<{ hash: string; issuedAt: number; supersededAt?: number; graceUsed?: boolean }>;
}

export interface AccessTokenClaims {
  subject: string;
  clientId: string;
  resource: string;
  scopes: string[];
  jkt?: string;
  familyId?: string;
  idp?: string;
  authTime?: number;
  /** The token's id, when the caller must know it in advance. Default: random. */
  jti?: string;
}

export class Tokens {
  readonly #issuer: () => string;
  readonly #keys: SigningKeys;
  readonly #store: AuthStore;
  readonly accessTtlSec: number;
  readonly #refreshTtlMs: number;
  readonly #graceMs: number;

  constructor(o: {
    issuer: () => string;
    keys: SigningKeys;
    store: AuthStore;
    accessTtlSec: number;
    refreshTtlSec: number;
    graceSec: number;
  }) {
    this.#issuer = o.issuer;
    this.#keys = o.keys;
    this.#store = o.store;
    this.accessTtlSec = o.accessTtlSec;
    this.#refreshTtlMs = o.refreshTtlSec * 1000;
    this.#graceMs = o.graceSec * 1000;
  }

  async accessToken(c: AccessTokenClaims): Promise<{ token: string; jti: string; expiresAt: number }> {
    const { kid, key } = await this.#keys.current();
    const jti = c.jti ?? randomToken(16);
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { client_id: c.clientId, scope: c.scopes.join(" "), jti };
    if (c.jkt) claims.cnf = { jkt: c.jkt };
    if (c.familyId) claims.fid = c.familyId;
    if (c.idp) claims.idp = c.idp;
    if (c.authTime) claims.auth_time = c.authTime;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
      .setIssuer(this.#issuer())
      .setSubject(c.subject)
      .setAudience(c.resource)
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTtlSec)
      .sign(key);
    return { token, jti, expiresAt: now + this.accessTtlSec };
  }

  /**
   * familyIdFor names a new family of one user's grant to one client for one resource: the grant's key, then a
   * random part, so that every family of a grant can be found (and revoked with it) by prefix.
   */
  async familyIdFor(subject: string, clientId: string, resource: string): Promise<string> {
    return `${await grantKey(subject, clientId, resource)}~${randomToken(12)}`;
  }

  /** families lists every live family of one grant. */
  async families(subject: string, clientId: string, resource: string): Promise<Family[]> {
    return (await this.#store.list<Family>("family", `${await grantKey(subject, clientId, resource)}~`)).map((r) => r.value);
  }

  /** newFamily starts a refresh token family and returns its first refresh token. */
  async newFamily(
    f: Omit<Family, "id" | "createdAt" | "expiresAt" | "secrets">,
    id?: string,
  ): Promise<{ family: Family; refreshToken: string }> {
    const now = Date.now();
    const secret = randomToken(32);
    const family: Family = {
      ...f,
      id: id ?? randomToken(12),
      createdAt: now,
      expiresAt: now + this.#refreshTtlMs,
      secrets: [{ hash: await sha256(secret), issuedAt: now }],
    };
    await this.#store.put("family", family.id, family, family.expiresAt + this.#graceMs);
    return { family, refreshToken: `${family.id}.${secret}` };
  }

  /**
   * rotate uses a refresh token: the family and a new refresh token, or why not — "invalid" (unknown, expired,
   * revoked) or "reuse" (a replaced token used after the grace window: the family is now revoked).
   */
  async rotate(refreshToken: string): Promise<{ family: Family; refreshToken: string } | { error: "invalid" | "reuse"; family?: Family }> {
    const dot = refreshToken.indexOf(".");
    if (dot < 1) return { error: "invalid" };
    const id = refreshToken.slice(0, dot);
    const hash = await sha256(refreshToken.slice(dot + 1));
    const secret = randomToken(32);
    const newHash = await sha256(secret);
    const now = Date.now();
    let outcome = "invalid" as "ok" | "invalid" | "reuse";
    const family = await this.#store.update<Family>("family", id, (f) => {
      outcome = "invalid";
      if (!f || f.revoked || f.expiresAt <= now) return f;
      const entry = f.secrets.find((s) => s.hash === hash);
      if (!entry) return f;
      // Within the grace window a replaced token works once more (the other of two concurrent refreshes); any
      // further use, or a use after the window, means it was copied.
      if (entry.supersededAt !== undefined && (now - entry.supersededAt > this.#graceMs || entry.graceUsed)) {
        outcome = "reuse";
        return { ...f, revoked: true };
      }
      outcome = "ok";
      const secrets = f.secrets.map((s) =>
        s.hash !== hash ? s : s.supersededAt === undefined ? { ...s, supersededAt: now } : { ...s, graceUsed: true },
      );
      secrets.push({ hash: newHash, issuedAt: now });
      // Replaced hashes are kept (the last 32) so that a late reuse is recognised and revokes the family.
      return { ...f, secrets: secrets.slice(-32) };
    });
    if (outcome !== "ok" || !family) return { error: outcome === "ok" ? "invalid" : outcome, family };
    return { family, refreshToken: `${id}.${secret}` };
  }

  /** revokeFamily ends a grant: its refresh tokens and the access tokens minted from it stop working. */
  async revokeFamily(id: string): Promise<Family | undefined> {
    return this.#store.update<Family>("family", id, (f) => (f ? { ...f, revoked: true } : f));
  }

  /** familyOf finds the family a refresh token belongs to (for revocation), checking the secret. */
  async familyOf(refreshToken: string): Promise<Family | undefined> {
    const dot = refreshToken.indexOf(".");
    if (dot < 1) return undefined;
    const f = await this.#store.get<Family>("family", refreshToken.slice(0, dot));
    const hash = await sha256(refreshToken.slice(dot + 1));
    return f?.secrets.some((s) => s.hash === hash) ? f : undefined;
  }

  /** revokeAccessToken records a revoked access token's jti until it would have expired. */
  async revokeAccessToken(jti: string, exp: number): Promise<void> {
    await this.#store.put("revoked", jti, 1, exp * 1000 + 60_000);
  }

  /** verify checks one of this server's access tokens for `resource`, revocation included. */
  async verify(token: string, resource: string): Promise<AuthInfo> {
    let payload: JWTPayload;
    try {
      if (decodeProtectedHeader(token).typ !== "at+jwt") throw new InvalidTokenError("the access token's typ is not at+jwt (RFC 9068)");
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.#keys.publicKey(header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        { issuer: this.#issuer(), audience: resource, algorithms: ["ES256"], requiredClaims: ["exp", "jti"], clockTolerance: 30 },
      ));
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError(describe(err), { cause: err });
    }
    if (await this.#store.get("revoked", String(payload.jti))) throw new InvalidTokenError("the access token was revoked");
    if (typeof payload.fid === "string") {
      const f = await this.#store.get<Family>("family", payload.fid);
      if (!f || f.revoked) throw new InvalidTokenError("the grant this access token belongs to was revoked");
    }
    const claims = payload as Record<string, unknown>;
    const info: AuthInfo = {
      token,
      issuer: payload.iss,
      subject: payload.sub,
      clientId: typeof claims.client_id === "string" ? claims.client_id : undefined,
      scopes: typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [],
      expiresAt: payload.exp,
      extra: { claims },
    };
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (typeof jkt === "string") info.dpopThumbprint = jkt;
    return info;
  }

  /** verifyAny checks an access token's signature and issuer whatever its audience (for revocation). */
  async verifyAny(token: string): Promise<{ jti: string; exp: number; clientId?: string; subject?: string }> {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? await this.#keys.publicKey(header.kid) : undefined;
        if (!key) throw new errors.JWKSNoMatchingKey();
        return key;
      },
      { issuer: this.#issuer(), algorithms: ["ES256"], typ: "at+jwt", requiredClaims: ["exp", "jti"] },
    );
    return { jti: String(payload.jti), exp: payload.exp!, clientId: payload.client_id as string | undefined, subject: payload.sub };
  }

  /** verifier is a TokenVerifier for one resource, for bearerAuth. */
  verifier(resource: string): TokenVerifier {
    return { verify: (token) => this.verify(token, resource) };
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "the access token expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "the access token was not issued for this server (aud)";
    if (err.claim === "iss") return "the access token comes from another issuer (iss)";
    return `the access token's "${err.claim}" claim is invalid`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "the access token is signed with a key this server does not publish";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the access token's signature is invalid";
  return "the access token is not a valid JWT";
}

/** grantKey: a user's grant to one client for one resource, as a short store-safe prefix. */
function grantKey(subject: string, clientId: string, resource: string): Promise<string> {
  return sha256(JSON.stringify([subject, clientId, resource]));
}

/**
 * DPoP (RFC 9449, SEP-1932): sender-constrained tokens. The client holds a key pair; the authorization server
 * binds the token to its public key, and every request to the MCP server carries a fresh proof (a JWT signed
 * with the key, naming the method, the URL and a hash of the token), so a stolen token is useless without the
 * key. oauth4webapi adds the proofs to token requests; the proofs for MCP requests are made here with jose.
 */
import * as oauth from "oauth4webapi";
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, type JWK } from "jose";

export class DpopKey {
  readonly #pair: CryptoKeyPair;
  readonly #alg: string;
  readonly #jwk: JWK;
  readonly #nonces = new Map<string, string>();
  /** The thumbprint tokens are bound to (`cnf.jkt`). */
  readonly thumbprint: string;
  /** For oauth4webapi's token requests. */
  readonly handle: oauth.DPoPHandle;

  private constructor(pair: CryptoKeyPair, alg: string, jwk: JWK, thumbprint: string) {
    this.#pair = pair;
    this.#alg = alg;
    this.#jwk = jwk;
    this.thumbprint = thumbprint;
    this.handle = oauth.DPoP({}, pair);
  }

  /** A key pair of your own (its public key must be extractable), or a new ES256 one. */
  static async create(pair?: CryptoKeyPair, alg = "ES256"): Promise<DpopKey> {
    const keys = pair ?? (await oauth.generateKeyPair(alg));
    const { kty, crv, x, y, n, e } = await exportJWK(keys.publicKey);
    const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined)) as JWK;
    return new DpopKey(keys, alg, jwk, await calculateJwkThumbprint(jwk, "sha256"));
  }

  /** The server's nonce for this origin (RFC 9449 section 9), used in the next proofs. */
  rememberNonce(url: URL, nonce: string): void {
    this.#nonces.set(url.origin, nonce);
  }

  /** A fresh proof for one request: unique jti, htm, htu without query or fragment, and ath for the token. */
  async proof(method: string, url: URL, accessToken: string): Promise<string> {
    const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken))));
    const claims: Record<string, unknown> = { htm: method, htu: `${url.origin}${url.pathname}`, ath, jti: crypto.randomUUID() };
    const nonce = this.#nonces.get(url.origin);
    if (nonce) claims.nonce = nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.#alg, typ: "dpop+jwt", jwk: this.#jwk })
      .setIssuedAt()
      .sign(this.#pair.privateKey);
  }
}

/** withNonceRetry sends a token request again once when the server asks for a DPoP nonce (RFC 9449 section 8). */
export async function withNonceRetry<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (oauth.isDPoPNonceError(err)) return request();
    throw err;
  }
}

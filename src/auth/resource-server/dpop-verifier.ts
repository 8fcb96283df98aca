/**
 * DpopProofVerifier: the resource server's half of DPoP (RFC 9449 section 7, SEP-1932). A DPoP-bound access
 * token (cnf.jkt) is only worth something together with a fresh proof signed by the key it is bound to, so the
 * server checks each proof: a public key in the header, a valid signature, `htm` and `htu` naming this very
 * request, `iat` recent, `jti` never seen before, `ath` the hash of the token presented, and the key's
 * thumbprint equal to the token's cnf.jkt. With nonces on, `nonce` must be one this server issued recently.
 */
import { EmbeddedJWK, base64url, calculateJwkThumbprint, decodeProtectedHeader, errors, jwtVerify, type JWK } from "jose";

export interface DpopOptions {
  /** Refuse Bearer tokens: every request must use DPoP. Default false (DPoP-bound tokens need it either way). */
  required?: boolean;
  /** Demand a server nonce in each proof (RFC 9449 section 8); clients get one with a use_dpop_nonce answer. Default false. */
  requireNonce?: boolean;
  /** Proof signature algorithms accepted. Default ES256, ES384, PS256, RS256, EdDSA. */
  algorithms?: string[];
  /** How old a proof may be (by its iat), in seconds. Default 300; 60 s of clock skew is allowed ahead. */
  maxAgeSec?: number;
  /**
   * Secret for nonces, shared by every process that serves the same resource (or a function fetching it, asked
   * again after a failure). Default: random per process.
   */
  nonceSecret?: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
  /**
   * Where proofs already seen are remembered, shared by every process that serves the same resource (an AuthStore's
   * `add`, say): `add` returns false for a key seen before. Default: this process's memory.
   */
  replayCache?: { add(key: string, expiresAt: number): boolean | Promise<boolean> };
}

/** DpopError: the proof is refused. `nonce` is set when the client should retry with this nonce. */
export class DpopError extends Error {
  readonly code = "INVALID_DPOP_PROOF";
  readonly error: "invalid_dpop_proof" | "use_dpop_nonce";
  readonly nonce?: string;
  constructor(error: DpopError["error"], message: string, nonce?: string) {
    super(message);
    this.name = "DpopError";
    this.error = error;
    if (nonce) this.nonce = nonce;
  }
}

const DEFAULT_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"];
/** A nonce is valid for this long, and for the slot before (so one issued just before a slot ends still works). */
const NONCE_SLOT_MS = 5 * 60_000;
/** Most proofs remembered for replay detection; past it the oldest are forgotten (they are also past maxAge soon). */
const MAX_REMEMBERED = 100_000;

export class DpopProofVerifier {
  readonly #opts: DpopOptions;
  #secret?: Promise<CryptoKey>;
  /** jkt + jti of proofs seen, with when they stop mattering (iat + maxAge). */
  readonly #seen = new Map<string, number>();

  constructor(options: DpopOptions = {}) {
    this.#opts = options;
    if (options.nonceSecret === undefined) this.#fallback = crypto.getRandomValues(new Uint8Array(32));
  }

  get algorithms(): string[] {
    return this.#opts.algorithms ?? DEFAULT_ALGS;
  }

  get required(): boolean {
    return this.#opts.required === true;
  }

  readonly #fallback?: Uint8Array;

  /** The nonce key; a secret that failed to arrive (its store was down) is asked for again next time. */
  #key(): Promise<CryptoKey> {
    if (!this.#secret) {
      const opt = this.#opts.nonceSecret;
      const raw =
        opt === undefined
          ? Promise.resolve(this.#fallback!)
          : typeof opt === "function"
            ? Promise.resolve().then(opt)
            : Promise.resolve(opt);
      const key = raw.then((r) =>
        crypto.subtle.importKey("raw", r as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
      );
      this.#secret = key;
      key.catch(() => {
        if (this.#secret === key) this.#secret = undefined;
      });
    }
    return this.#secret;
  }

  /** A nonce for the current time slot. */
  async nonce(now = Date.now()): Promise<string> {
    const slot = String(Math.floor(now / NONCE_SLOT_MS));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key(), new TextEncoder().encode(slot)));
    return `${slot}.${base64url.encode(mac)}`;
  }

  async #nonceValid(nonce: unknown, now: number): Promise<boolean> {
    if (typeof nonce !== "string") return false;
    const current = Math.floor(now / NONCE_SLOT_MS);
    const [slot] = nonce.split(".");
    if (slot !== String(current) && slot !== String(current - 1)) return false;
    return nonce === (await this.nonce(Number(slot) * NONCE_SLOT_MS));
  }

  /**
   * verify checks `proof` for a request (`method`, `url` as the client addressed it, without query) that
   * presents `accessToken` bound to `jkt`, and returns the proof key's thumbprint. At a token endpoint there is
   * no access token yet and no binding to check: pass undefined for both (a proof carrying `ath` is then refused).
   * It throws DpopError when the proof does not hold.
   */
  async verify(
    proof: string,
    request: { method: string; urls: string[] },
    accessToken: string | undefined,
    jkt: string | undefined,
    now = Date.now(),
  ): Promise<string> {
    const maxAge = this.#opts.maxAgeSec ?? 300;
    let header: ReturnType<typeof decodeProtectedHeader>;
    let payload: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(proof);
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: this.algorithms, currentDate: new Date(now) }));
    } catch (err) {
      throw new DpopError(
        "invalid_dpop_proof",
        `the DPoP proof is invalid (${err instanceof errors.JOSEError ? err.message : String(err)})`,
      );
    }
    if (payload.htm !== request.method)
      throw new DpopError("invalid_dpop_proof", `the DPoP proof is for ${JSON.stringify(payload.htm)}, not ${request.method}`);
    const htu = typeof payload.htu === "string" && URL.canParse(payload.htu) ? new URL(payload.htu) : undefined;
    const target = htu && `${htu.origin}${htu.pathname}`;
    if (!target || !request.urls.includes(target))
      throw new DpopError("invalid_dpop_proof", `the DPoP proof's htu ${JSON.stringify(payload.htu)} is not this endpoint`);
    const iat = payload.iat;
    if (typeof iat !== "number" || iat * 1000 > now + 60_000 || iat * 1000 < now - maxAge * 1000)
      throw new DpopError("invalid_dpop_proof", "the DPoP proof is not fresh (iat)");
    if (typeof payload.jti !== "string" || payload.jti.length < 8 || payload.jti.length > 256)
      throw new DpopError("invalid_dpop_proof", "the DPoP proof needs a unique jti");
    const ath =
      accessToken === undefined
        ? undefined
        : base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken))));
    if (payload.ath !== ath) throw new DpopError("invalid_dpop_proof", "the DPoP proof is not for this access token (ath)");
    const thumbprint = await calculateJwkThumbprint(header.jwk as JWK, "sha256");
    if (jkt !== undefined && thumbprint !== jkt)
      throw new DpopError("invalid_dpop_proof", "the DPoP proof is signed with another key than the one the token is bound to (cnf.jkt)");
    if (this.#opts.requireNonce && !(await this.#nonceValid(payload.nonce, now))) {
      throw new DpopError(
        "use_dpop_nonce",
        payload.nonce === undefined ? "this server requires a DPoP nonce" : "the DPoP nonce is stale or not this server's",
        await this.nonce(now),
      );
    }
    const key = `${thumbprint} ${payload.jti}`;
    const until = iat * 1000 + maxAge * 1000 + 60_000;
    if (this.#opts.replayCache) {
      if (!(await this.#opts.replayCache.add(key, until)))
        throw new DpopError("invalid_dpop_proof", "the DPoP proof was already used (jti replayed)");
    } else this.#remember(key, until, now);
    return thumbprint;
  }

  /** A proof is good once: the same key and jti again is a replay. */
  #remember(key: string, until: number, now: number): void {
    const seen = this.#seen.get(key);
    if (seen !== undefined && seen > now) throw new DpopError("invalid_dpop_proof", "the DPoP proof was already used (jti replayed)");
    this.#seen.set(key, until);
    if (this.#seen.size > MAX_REMEMBERED) {
      for (const [k, t] of this.#seen) {
        if (t <= now || this.#seen.size > MAX_REMEMBERED) this.#seen.delete(k);
        else break;
      }
    }
  }
}

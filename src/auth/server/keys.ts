/**
 * SigningKeys: the keys access tokens are signed with. ES256 pairs kept in the AuthStore (so tokens outlive a
 * restart), replaced after `rotateAfterMs`; a replaced key stays published at jwks_uri until every token it
 * signed has expired, so resource servers that cache the JWKS keep verifying during the change.
 */
import { base64url, exportJWK, generateKeyPair, importJWK } from "jose";
import type { Jwk } from "../jwk.js";
import type { AuthStore } from "../../stores/auth-store.js";

interface StoredKey {
  kid: string;
  createdAt: number;
  privateJwk: Jwk;
  publicJwk: Jwk;
}

export class SigningKeys {
  readonly #store: AuthStore;
  readonly #rotateAfterMs: number;
  readonly #retainMs: number;
  #current?: Promise<{ kid: string; key: CryptoKey; createdAt: number }>;
  readonly #public = new Map<string, Promise<CryptoKey>>();

  constructor(store: AuthStore, rotateAfterMs: number, retainMs: number) {
    this.#store = store;
    this.#rotateAfterMs = rotateAfterMs;
    this.#retainMs = retainMs;
  }

  /** current is the key to sign with now, made (and the old one retired) when it is due. */
  async current(now = Date.now()): Promise<{ kid: string; key: CryptoKey }> {
    const c = await this.#current;
    if (c && now - c.createdAt < this.#rotateAfterMs) return c;
    this.#current = this.#load(now);
    try {
      return await this.#current;
    } catch (err) {
      this.#current = undefined;
      throw err;
    }
  }

  async #load(now: number): Promise<{ kid: string; key: CryptoKey; createdAt: number }> {
    const keys = (await this.#store.list<StoredKey>("key", "")).map((k) => k.value).sort((a, b) => b.createdAt - a.createdAt);
    let newest = keys[0];
    if (!newest || now - newest.createdAt >= this.#rotateAfterMs) {
      const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
      const kid = crypto.randomUUID();
      newest = {
        kid,
        createdAt: now,
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "ES256" } as Jwk,
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } as Jwk,
      };
      await this.#store.put("key", kid, newest, now + this.#rotateAfterMs + this.#retainMs);
    }
    return {
      kid: newest.kid,
      key: (await importJWK(newest.privateJwk as Parameters<typeof importJWK>[0], "ES256")) as CryptoKey,
      createdAt: newest.createdAt,
    };
  }

  /** jwks is the published key set: every key whose tokens may still be live. */
  async jwks(): Promise<{ keys: Jwk[] }> {
    await this.current();
    const keys = (await this.#store.list<StoredKey>("key", "")).map((k) => k.value).sort((a, b) => b.createdAt - a.createdAt);
    return { keys: keys.map((k) => k.publicJwk) };
  }

  /** publicKey finds a published key by kid, for verifying this server's own tokens. */
  async publicKey(kid: string): Promise<CryptoKey | undefined> {
    let p = this.#public.get(kid);
    if (!p) {
      const k = await this.#store.get<StoredKey>("key", kid);
      if (!k) return undefined;
      p = importJWK(k.publicJwk as Parameters<typeof importJWK>[0], "ES256") as Promise<CryptoKey>;
      this.#public.set(kid, p);
      if (this.#public.size > 64) this.#public.delete(this.#public.keys().next().value!);
    }
    return p;
  }
}

/**
 * sharedSecret is 32 random bytes kept in the store under `id`: the first process to ask creates them, every other
 * one (a node of the same cluster, or this one after a restart) reads the same.
 */
export async function sharedSecret(store: AuthStore, id: string): Promise<Uint8Array> {
  const fresh = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  await store.add("secret", id, { secret: fresh });
  const rec = await store.get<{ secret: string }>("secret", id);
  return base64url.decode(rec?.secret ?? fresh);
}

/**
 * TokenCache: the tokens an OAuthClient holds for each MCP endpoint, read through from its CredentialStore (key
 * `tokens <endpoint>`), and the rules for taking a token response into it.
 */
import type * as oauth from "oauth4webapi";
import { TrellisError } from "../../protocol/errors.js";
import type { CredentialStore, StoredTokens } from "./credential-store.js";

/** What a token response is for: who issued it, for which resource, and the scope that was asked for. */
export interface TokenOrigin {
  issuer: string;
  resource: string;
  scope?: string;
}

export class TokenCache {
  readonly #store: CredentialStore;
  /** Tokens per endpoint; null remembers "none in the store" so it is not asked again. */
  readonly #tokens = new Map<string, StoredTokens | null>();

  constructor(store: CredentialStore) {
    this.#store = store;
  }

  async get(endpoint: string): Promise<StoredTokens | undefined> {
    if (!this.#tokens.has(endpoint))
      this.#tokens.set(endpoint, ((await this.#store.load(`tokens ${endpoint}`)) as StoredTokens | undefined) ?? null);
    return this.#tokens.get(endpoint) ?? undefined;
  }

  async drop(endpoint: string): Promise<void> {
    this.#tokens.set(endpoint, null);
    await this.#store.save(`tokens ${endpoint}`, undefined);
  }

  /**
   * take stores a token response: Bearer, or DPoP when `dpopThumbprint` says a key was used (a DPoP token nobody
   * asked for is refused). A refresh token not rotated is kept from `previous`; no `scope` in the answer means the
   * requested scope was granted (RFC 6749 section 5.1).
   */
  async take(
    endpoint: string,
    res: oauth.TokenEndpointResponse,
    origin: TokenOrigin,
    dpopThumbprint: string | undefined,
    previous?: StoredTokens,
  ): Promise<void> {
    const dpop = res.token_type === "dpop";
    if (!dpop && res.token_type !== "bearer") {
      throw new TrellisError(
        "INVALID_MESSAGE",
        `the authorization server issued a ${res.token_type} token; this client uses Bearer and DPoP tokens`,
      );
    }
    if (dpop && !dpopThumbprint)
      throw new TrellisError("INVALID_MESSAGE", "the authorization server issued a DPoP token that was not asked for");
    const t: StoredTokens = {
      accessToken: res.access_token,
      tokenType: dpop ? "DPoP" : "Bearer",
      issuer: origin.issuer,
      resource: origin.resource,
    };
    if (dpop) t.dpopJkt = dpopThumbprint;
    const refresh = res.refresh_token ?? previous?.refreshToken;
    if (refresh) t.refreshToken = refresh;
    if (typeof res.expires_in === "number") t.expiresAt = Date.now() + res.expires_in * 1000;
    const scope = res.scope ?? origin.scope;
    if (scope) t.scope = scope;
    this.#tokens.set(endpoint, t);
    await this.#store.save(`tokens ${endpoint}`, t);
  }
}

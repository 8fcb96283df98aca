/**
 * Where an OAuth client keeps what it learns: its registration at each authorization server (so a CLI does
 * not register again on every run) and the tokens for each MCP server. The store is a small key/value
 * interface so that a keychain, a database or an encrypted file can stand in; values are plain JSON.
 */
/** A client registration at one authorization server (pre-registered, CIMD, or from DCR). */
export interface StoredClient {
  clientId: string;
  clientSecret?: string;
  /** none, client_secret_basic, client_secret_post or private_key_jwt. */
  tokenEndpointAuthMethod?: string;
  /** The redirect URI the registration was made for; a different one needs a new registration. */
  redirectUri?: string;
  /** The authorization server that issued it; it is never used with another. */
  issuer?: string;
}

/** The tokens for one MCP server. */
export interface StoredTokens {
  accessToken: string;
  /** "Bearer" or "DPoP". */
  tokenType: string;
  refreshToken?: string;
  /** Epoch milliseconds; absent when the server did not say. */
  expiresAt?: number;
  /** What was granted (the token response's `scope`, else what was asked for). */
  scope?: string;
  /** For a DPoP token: the thumbprint of the key it is bound to. */
  dpopJkt?: string;
  /** The authorization server that issued them and the resource they are for. */
  issuer: string;
  resource: string;
}

/**
 * CredentialStore keeps JSON values by key. Keys look like `client <issuer>` (a registration),
 * `tokens <server url>` and `binding <client id>` (the issuer pre-registered credentials were first used with).
 */
export interface CredentialStore {
  load(key: string): Promise<unknown> | unknown;
  /** Saves `value`, or forgets the key when it is undefined. */
  save(key: string, value: unknown): Promise<void> | void;
}

/** MemoryCredentialStore: the default; everything is forgotten when the process ends. */
export class MemoryCredentialStore implements CredentialStore {
  readonly #map = new Map<string, unknown>();
  load(key: string): unknown {
    return this.#map.get(key);
  }
  save(key: string, value: unknown): void {
    if (value === undefined) this.#map.delete(key);
    else this.#map.set(key, value);
  }
}

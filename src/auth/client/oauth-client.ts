/**
 * OAuthClient: the client half of MCP authorization (authorization.mdx), plugged into the Streamable HTTP
 * client transport as its HttpClientAuth. On a 401 it discovers the server's Protected Resource Metadata and
 * its authorization server, gets a token through its flow (authorization code + PKCE, client credentials, or
 * enterprise-managed ID-JAG; see flows.ts), and the transport resends the request. On a 403
 * insufficient_scope it steps up to the union of the granted and the challenged scopes, at most a few
 * times per request. Tokens are refreshed when they expire. The OAuth messages themselves are built and
 * checked by oauth4webapi; this file holds the MCP rules around them.
 */
import * as oauth from "oauth4webapi";
import type { AuthRequest, HttpClientAuth } from "../../transports/http-client/auth.js";
import { AuthorizationFailedError } from "../../transports/http-client/auth.js";
import { isLoopbackHost } from "../../transports/http/guard.js";
import { TrellisError } from "../../protocol/errors.js";
import { PeerHttp } from "./peer-http.js";
import { MemoryCredentialStore, type CredentialStore, type StoredClient, type StoredTokens } from "./credential-store.js";
import { DpopKey, withNonceRetry } from "./dpop.js";
import {
  discoverAuthorizationServer,
  discoverProtectedResource,
  parseWwwAuthenticate,
  selectScope,
  type AuthorizationServerMetadata,
  type BearerChallenge,
  type ResourceMetadata,
} from "./discovery.js";

/** What a flow gets to work with once discovery is done. */
export interface FlowContext {
  /** The authorization server's metadata (issuer checked, PKCE checked when the flow needs it). */
  as: AuthorizationServerMetadata;
  /** The MCP server's Protected Resource Metadata. */
  prm: ResourceMetadata;
  /** The `resource` parameter (RFC 8707): the MCP server's canonical URI. */
  resource: string;
  /** The scopes to ask for; undefined means omit the parameter. */
  scope?: string;
  /**
   * Options for oauth4webapi requests to the authorization server (the peer policy, timeout and size cap of
   * PeerHttp, the DPoP handle); one object serves GET and POST.
   */
  http: oauth.HttpRequestOptions<any, any>;
  /** The same, for a server the user configured (an enterprise IdP): its own address is allowed, limits still hold. */
  httpFor(url: string): oauth.HttpRequestOptions<any, any>;
  /** Loads / saves this client's registration at `as.issuer`. */
  registration: { load(): Promise<StoredClient | undefined>; save(client: StoredClient): Promise<void>; forget(): Promise<void> };
  /**
   * bind refuses to use credentials (a secret, a key, an assertion) of `clientId` with this authorization
   * server unless they belong to it: `issuer` when the caller named one, else the first issuer they were used
   * with (kept in the credential store).
   */
  bind(clientId: string, issuer?: string): Promise<void>;
}

/** A client identity and its way of authenticating at the token endpoint. */
export interface ClientIdentity {
  client: oauth.Client;
  auth: oauth.ClientAuth;
}

/** OAuthFlow is one way of getting tokens; flows.ts has the three the spec and its extensions define. */
export interface OAuthFlow {
  /** A short name for messages ("authorization_code", "client_credentials", ...). */
  readonly name: string;
  /** The flow sends users to the authorization endpoint, so the AS must advertise PKCE S256. */
  readonly usesPkce: boolean;
  /** The client identity to use at this authorization server (registering first if the flow does that). */
  identify(ctx: FlowContext): Promise<ClientIdentity>;
  /** Gets a new token. */
  obtain(ctx: FlowContext, identity: ClientIdentity): Promise<oauth.TokenEndpointResponse>;
}

export interface OAuthClientOptions {
  /** How tokens are obtained: authorizationCodeFlow(...), clientCredentialsFlow(...) or enterpriseFlow(...). */
  flow: OAuthFlow;
  /** Where registrations and tokens are kept. Default: in memory. */
  store?: CredentialStore;
  /** Ask for exactly these scopes instead of following the spec's scope selection. */
  scope?: string;
  /** Authorizations (first one and step-ups) tried for one request before it fails. Default 3. */
  maxAuthorizations?: number;
  /**
   * Allow plain-http authorization servers and metadata that are not on a loopback address. Default false:
   * OAuth 2.1 requires TLS for everything but loopback redirects, and tokens must not cross the network in clear.
   */
  allowInsecureHttp?: boolean;
  /**
   * DPoP-bound tokens (RFC 9449, SEP-1932): true always, false never, "auto" (default) when the server asks
   * for them — a DPoP challenge, or `dpop_bound_access_tokens_required` in its metadata.
   */
  dpop?: boolean | "auto";
  /** The DPoP key pair (public key extractable). Default: a new ES256 pair per OAuthClient, kept in memory. */
  dpopKey?: CryptoKeyPair;
  /** The fetch to use for OAuth requests. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Timeout of each OAuth HTTP request, redirects and body included, in ms. Default 30 000. */
  timeoutMs?: number;
  /** The largest metadata, registration or token response accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /**
   * Let servers name loopback, private and link-local addresses (metadata, authorization servers, endpoints,
   * redirects) even when the MCP server itself is not on one. Default false: a URL a server names must not turn
   * this client against its own network (169.254.169.254 is where clouds keep their credentials).
   */
  allowPrivateNetwork?: boolean;
  /**
   * Accept a token endpoint on another origin than its issuer. Default false: client secrets and assertions go
   * only to the issuer's own origin. A few providers need it (Google's token endpoint is not on its issuer's origin).
   */
  allowForeignTokenEndpoint?: boolean;
}

/** isLoopbackUrl: plain http is tolerated only for loopback hosts (OAuth 2.1 section 1.5, RFC 8252). */
export function isLoopbackUrl(url: string | URL): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return isLoopbackHost(host) || host.endsWith(".localhost");
}

const scopeList = (scope: string | undefined): string[] => (scope ?? "").split(" ").filter(Boolean);

/** unionScopes joins scope strings without repeats; undefined when empty. */
export function unionScopes(...scopes: (string | undefined)[]): string | undefined {
  const set = new Set(scopes.flatMap(scopeList));
  return set.size ? [...set].join(" ") : undefined;
}

/** missingScopes: the scopes of `needed` that `granted` lacks. */
function missingScopes(needed: string | undefined, granted: string | undefined): string[] {
  const have = new Set(scopeList(granted));
  return [...new Set(scopeList(needed))].filter((s) => !have.has(s));
}

/** describeOAuthError turns an oauth4webapi failure into one line that says what the server answered. */
export function describeOAuthError(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError)
    return `${err.error}${err.error_description ? `: ${err.error_description}` : ""} (HTTP ${err.status})`;
  if (err instanceof oauth.AuthorizationResponseError)
    return `the authorization server answered ${err.error}${err.error_description ? `: ${err.error_description}` : ""}`;
  if (err instanceof oauth.WWWAuthenticateChallengeError) return `HTTP ${err.status} with a challenge: ${err.message}`;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof Response)
    return `${cause.url || "the server"} answered HTTP ${cause.status} (${cause.headers.get("content-type") ?? "no content type"}), not an OAuth response`;
  return (err as Error)?.message ?? String(err);
}

interface Discovered {
  prm: ResourceMetadata;
  as: AuthorizationServerMetadata;
  at: number;
}

/** Discovered metadata is reused for this long, so that a server that moves to another AS is followed. */
const DISCOVERY_TTL_MS = 10 * 60_000;

export class OAuthClient implements HttpClientAuth {
  readonly #opts: OAuthClientOptions;
  readonly #store: CredentialStore;
  readonly #fetch: typeof fetch;
  /** Tokens per MCP endpoint, read through from the store. */
  readonly #tokens = new Map<string, StoredTokens | null>();
  readonly #discovered = new Map<string, Discovered>();
  readonly #asByIssuer = new Map<string, AuthorizationServerMetadata>();
  /** One authorization at a time per endpoint; concurrent challenges wait for it and resend. */
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #peers = new Map<string, PeerHttp>();
  #dpop?: Promise<DpopKey>;

  constructor(options: OAuthClientOptions) {
    if (!options?.flow)
      throw new TypeError("OAuthClient needs a flow: authorizationCodeFlow(...), clientCredentialsFlow(...) or enterpriseFlow(...)");
    this.#opts = options;
    this.#store = options.store ?? new MemoryCredentialStore();
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The tokens held for an MCP endpoint, if any. */
  async tokens(serverUrl: string | URL): Promise<StoredTokens | undefined> {
    return (await this.#load(endpointKey(serverUrl))) ?? undefined;
  }

  /** Forgets the tokens for an MCP endpoint (a sign-out); the next request authorizes again. */
  forget(serverUrl: string | URL): Promise<void> {
    return this.#drop(endpointKey(serverUrl));
  }

  async #drop(key: string): Promise<void> {
    this.#tokens.set(key, null);
    await this.#store.save(`tokens ${key}`, undefined);
  }

  async headers(request: AuthRequest): Promise<Record<string, string>> {
    const key = endpointKey(request.url);
    await this.#inflight.get(key)?.catch(() => {});
    let t = await this.#load(key);
    if (t?.expiresAt !== undefined && t.expiresAt - 30_000 < Date.now()) {
      // Expired: refresh if we can; otherwise forget it and let the 401 start a new authorization.
      const expired = t;
      t = expired.refreshToken
        ? await this.#single(key, () => this.#refresh(key, expired)).then(
            () => this.#load(key),
            () => undefined,
          )
        : undefined;
      if (!t) await this.#drop(key);
    }
    if (t?.tokenType === "DPoP") {
      const dpop = await this.#dpopKey();
      // A DPoP token bound to another key (an earlier run's) cannot be used.
      if (t.dpopJkt !== dpop.thumbprint) {
        await this.#drop(key);
        return {};
      }
      return { authorization: `DPoP ${t.accessToken}`, dpop: await dpop.proof(request.method, request.url, t.accessToken) };
    }
    return t ? { authorization: `Bearer ${t.accessToken}` } : {};
  }

  #dpopKey(): Promise<DpopKey> {
    this.#dpop ??= DpopKey.create(this.#opts.dpopKey);
    return this.#dpop;
  }

  async challenge(response: Response, request: AuthRequest): Promise<boolean> {
    const key = endpointKey(request.url);
    const challenge = parseWwwAuthenticate(response.headers.get("www-authenticate"));
    const max = this.#opts.maxAuthorizations ?? 3;
    if (response.status === 403 && challenge?.error !== "insufficient_scope") return false;
    const nonce = response.headers.get("dpop-nonce");
    if (response.status === 401 && challenge?.error === "use_dpop_nonce" && nonce && this.#dpop && request.attempt < max) {
      // RFC 9449 section 9: the server wants its nonce in the proof; the resend carries a fresh proof with it.
      (await this.#dpop).rememberNonce(request.url, nonce);
      return true;
    }
    return this.#single(key, async () => {
      const current = await this.#load(key);
      // Another request got new credentials after this one was sent: just send it again.
      if (current && request.headers?.get("authorization") !== `${current.tokenType} ${current.accessToken}`) return true;
      if (request.attempt >= max) {
        throw new AuthorizationFailedError(
          `the server still answers ${response.status} after ${request.attempt} authorization attempts for this request; giving up`,
          response.status,
        );
      }
      if (response.status === 403) {
        const needed = challenge?.scope;
        if (scopeList(needed).length && current?.scope !== undefined && missingScopes(needed, current.scope).length === 0) {
          throw new AuthorizationFailedError(
            `the server refuses the request for insufficient_scope although the token already has ${JSON.stringify(unionScopes(needed))}; asking again would not help`,
            403,
          );
        }
        // Step up to everything granted so far plus what the server asks for (SEP-2350: keep prior scopes).
        await this.#authorize(
          key,
          request.url,
          challenge,
          (prm) => this.#opts.scope ?? unionScopes(current?.scope, needed ?? selectScope(undefined, prm)),
        );
        const got = (await this.#load(key))?.scope;
        const lacking = missingScopes(needed, got);
        if (got !== undefined && lacking.length) {
          throw new AuthorizationFailedError(
            `the authorization server granted ${JSON.stringify(got)} but this request needs ${JSON.stringify(lacking.join(" "))} as well`,
            403,
          );
        }
        return true;
      }
      // Past this point `current`, if any, is the token this request was sent with.
      if (request.attempt > 0 && current) {
        const why = challenge?.errorDescription ?? challenge?.error ?? "no reason given";
        throw new AuthorizationFailedError(
          `the server rejects the token just issued by ${current.issuer} (${why}); check that both agree on the resource (${current.resource}) and issuer`,
          401,
        );
      }
      // 401: a refresh is enough when the old token was merely expired or revoked.
      if (
        current?.refreshToken &&
        request.attempt === 0 &&
        (await this.#refresh(key, current).then(
          () => true,
          () => false,
        ))
      )
        return true;
      await this.#authorize(
        key,
        request.url,
        challenge,
        (prm) => this.#opts.scope ?? unionScopes(current?.scope, selectScope(challenge, prm)),
      );
      return true;
    });
  }

  /** Runs `fn` alone for this endpoint; a second caller waits for the first and runs after it. */
  async #single<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#inflight.get(key);
    const run = (async () => {
      await before?.catch(() => {});
      return fn();
    })();
    this.#inflight.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#inflight.get(key) === run) this.#inflight.delete(key);
    }
  }

  async #load(key: string): Promise<StoredTokens | undefined> {
    if (!this.#tokens.has(key)) this.#tokens.set(key, ((await this.#store.load(`tokens ${key}`)) as StoredTokens | undefined) ?? null);
    return this.#tokens.get(key) ?? undefined;
  }

  async #saveTokens(
    key: string,
    res: oauth.TokenEndpointResponse,
    ctx: { issuer: string; resource: string; scope?: string },
    previous?: StoredTokens,
  ): Promise<void> {
    const dpop = res.token_type === "dpop";
    if (!dpop && res.token_type !== "bearer")
      throw new Error(`the authorization server issued a ${res.token_type} token; this client uses Bearer and DPoP tokens`);
    if (dpop && !this.#dpop) throw new Error("the authorization server issued a DPoP token that was not asked for");
    const t: StoredTokens = {
      accessToken: res.access_token,
      tokenType: dpop ? "DPoP" : "Bearer",
      issuer: ctx.issuer,
      resource: ctx.resource,
    };
    if (dpop) t.dpopJkt = (await this.#dpopKey()).thumbprint;
    const refresh = res.refresh_token ?? previous?.refreshToken;
    if (refresh) t.refreshToken = refresh;
    if (typeof res.expires_in === "number") t.expiresAt = Date.now() + res.expires_in * 1000;
    // RFC 6749 section 5.1: no `scope` in the answer means the requested scope was granted.
    const scope = res.scope ?? ctx.scope;
    if (scope) t.scope = scope;
    this.#tokens.set(key, t);
    await this.#store.save(`tokens ${key}`, t);
  }

  /** The fetch policy for everything reached on behalf of one MCP server (peer-http.ts). */
  #peer(home: string | URL): PeerHttp {
    const key = new URL(home).origin;
    let peer = this.#peers.get(key);
    if (!peer) {
      const o = this.#opts;
      peer = new PeerHttp(home, {
        fetch: this.#fetch,
        timeoutMs: o.timeoutMs,
        maxResponseBytes: o.maxResponseBytes,
        allowInsecureHttp: o.allowInsecureHttp,
        allowPrivateNetwork: o.allowPrivateNetwork,
      });
      this.#peers.set(key, peer);
    }
    return peer;
  }

  #http(peer: PeerHttp, dpop?: DpopKey): FlowContext["http"] {
    return {
      ...(dpop ? { DPoP: dpop.handle } : {}),
      [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => peer.fetch(url, init as RequestInit),
      [oauth.allowInsecureRequests]: true, // PeerHttp decides which URLs may be plain http
    } as FlowContext["http"];
  }

  /**
   * The endpoints of an authorization server must pass the peer policy, and its token endpoint, where secrets
   * and assertions go, must be on the issuer's own origin unless the caller allows otherwise.
   */
  #checkEndpoints(as: AuthorizationServerMetadata, peer: PeerHttp): void {
    for (const [what, url] of [
      ["token endpoint", as.token_endpoint],
      ["authorization endpoint", as.authorization_endpoint],
      ["registration endpoint", as.registration_endpoint],
    ] as const) {
      if (url !== undefined) peer.check(url, what);
    }
    if (!this.#opts.allowForeignTokenEndpoint && new URL(as.token_endpoint).origin !== new URL(as.issuer).origin) {
      throw new TrellisError(
        "UNSAFE_URL",
        `the token endpoint ${as.token_endpoint} is not on the origin of its issuer ${as.issuer}; refusing to send credentials there (allowForeignTokenEndpoint allows it)`,
      );
    }
  }

  async #discover(serverUrl: URL, challenge: BearerChallenge | undefined): Promise<Discovered> {
    const cacheKey = `${endpointKey(serverUrl)} ${challenge?.resourceMetadata ?? ""}`;
    const cached = this.#discovered.get(cacheKey);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached;
    const peer = this.#peer(serverUrl);
    const prm = await discoverProtectedResource(serverUrl, { resourceMetadata: challenge?.resourceMetadata, peer });
    const as = await discoverAuthorizationServer(prm.authorization_servers[0]!, { peer, requirePkce: this.#opts.flow.usesPkce });
    this.#checkEndpoints(as, peer);
    const found = { prm, as, at: Date.now() };
    this.#discovered.set(cacheKey, found);
    this.#asByIssuer.set(as.issuer, as);
    return found;
  }

  async #context(
    serverUrl: string | URL,
    prm: ResourceMetadata,
    as: AuthorizationServerMetadata,
    scope: string | undefined,
    dpop: boolean,
  ): Promise<FlowContext> {
    const key = `client ${as.issuer}`;
    const dpopKey = dpop ? await this.#dpopKey() : undefined;
    return {
      as,
      prm,
      resource: prm.resource,
      scope,
      http: this.#http(this.#peer(serverUrl), dpopKey),
      httpFor: (url) => this.#http(this.#peer(url)),
      registration: {
        load: async () => {
          const saved = (await this.#store.load(key)) as StoredClient | undefined;
          // Kept under its issuer's key; one that names another issuer (a hand-edited store) is not used.
          return saved && (saved.issuer === undefined || saved.issuer === as.issuer) ? saved : undefined;
        },
        save: async (c) => void (await this.#store.save(key, { ...c, issuer: as.issuer })),
        forget: async () => void (await this.#store.save(key, undefined)),
      },
      bind: async (clientId, issuer) => {
        if (issuer !== undefined) {
          if (issuer.replace(/\/$/, "") !== as.issuer.replace(/\/$/, "")) {
            throw new TrellisError(
              "UNSAFE_URL",
              `the credentials of client ${JSON.stringify(clientId)} belong to ${issuer}, but this server's authorization server is ${as.issuer}; refusing to send them there`,
            );
          }
          return;
        }
        const bindingKey = `binding ${clientId}`;
        const bound = (await this.#store.load(bindingKey)) as string | undefined;
        if (bound === undefined) await this.#store.save(bindingKey, as.issuer);
        else if (bound !== as.issuer) {
          throw new TrellisError(
            "UNSAFE_URL",
            `the credentials of client ${JSON.stringify(clientId)} were first used with ${bound}; refusing to send them to ${as.issuer} (name the right one with the flow's issuer option)`,
          );
        }
      },
    };
  }

  async #authorize(
    key: string,
    serverUrl: URL,
    challenge: BearerChallenge | undefined,
    scopeFor: (prm: ResourceMetadata) => string | undefined,
  ): Promise<void> {
    const { prm, as } = await this.#discover(serverUrl, challenge);
    const mode = this.#opts.dpop ?? "auto";
    const dpop = mode === true || (mode === "auto" && (challenge?.dpop === true || prm.dpop_bound_access_tokens_required === true));
    const ctx = await this.#context(serverUrl, prm, as, scopeFor(prm), dpop);
    const flow = this.#opts.flow;
    let res: oauth.TokenEndpointResponse;
    try {
      const identity = await flow.identify(ctx);
      res = await flow.obtain(ctx, identity);
    } catch (err) {
      // The server no longer knows this client (a registration that expired or was deleted): drop the stored
      // one so that the next attempt registers again instead of failing the same way forever.
      const code = err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError ? err.error : undefined;
      const stale = code === "invalid_client" || code === "unauthorized_client";
      if (stale) await ctx.registration.forget();
      throw new AuthorizationFailedError(
        `${flow.name} authorization at ${as.issuer} failed: ${describeOAuthError(err)}${stale ? "; the stored client registration was dropped, the next attempt registers again" : ""}`,
        401,
        { cause: err },
      );
    }
    await this.#saveTokens(key, res, { issuer: as.issuer, resource: ctx.resource, scope: ctx.scope });
  }

  async #refresh(key: string, current: StoredTokens): Promise<void> {
    if (!current.refreshToken) throw new TrellisError("REQUEST_FAILED", "no refresh token");
    let as = this.#asByIssuer.get(current.issuer);
    if (!as) {
      const peer = this.#peer(key);
      as = await discoverAuthorizationServer(current.issuer, { peer, requirePkce: false });
      this.#checkEndpoints(as, peer);
      this.#asByIssuer.set(as.issuer, as);
    }
    const ctx = await this.#context(
      key,
      { resource: current.resource, authorization_servers: [current.issuer] },
      as,
      current.scope,
      current.tokenType === "DPoP",
    );
    try {
      const identity = await this.#opts.flow.identify(ctx);
      const asm = as as unknown as oauth.AuthorizationServer;
      const refreshed = await withNonceRetry(async () => {
        const res = await oauth.refreshTokenGrantRequest(asm, identity.client, identity.auth, current.refreshToken!, {
          ...ctx.http,
          additionalParameters: { resource: current.resource },
        });
        return oauth.processRefreshTokenResponse(asm, identity.client, res);
      });
      await this.#saveTokens(key, refreshed, { issuer: as.issuer, resource: current.resource, scope: current.scope }, current);
    } catch (err) {
      // A refresh token that no longer works is dropped so that the next attempt authorizes from scratch.
      await this.#drop(key);
      throw err;
    }
  }
}

/** endpointKey: the MCP endpoint a token belongs to (no query or fragment). */
function endpointKey(url: string | URL): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

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
import { misuse, TrellisError } from "../../protocol/errors.js";
import { PeerHttp } from "./peer-http.js";
import { MemoryCredentialStore, type CredentialStore, type StoredTokens } from "./credential-store.js";
import { DpopKey, withNonceRetry } from "./dpop.js";
import {
  checkEndpoints,
  discoverAuthorizationServer,
  discoverProtectedResource,
  parseWwwAuthenticate,
  type AuthorizationServerMetadata,
  type BearerChallenge,
  type ResourceMetadata,
} from "./discovery.js";
import { describeOAuthError, flowOf, oauthHttp, type FlowContext } from "./flow.js";
import { flowContext } from "./flow-context.js";
import { TokenCache } from "./token-cache.js";
import type { OAuthClientOptions } from "./options.js";
import { missingScopes, scopeList, selectScope, unionScopes } from "./scopes.js";

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
  readonly #tokens: TokenCache;
  readonly #discovered = new Map<string, Discovered>();
  readonly #asByIssuer = new Map<string, AuthorizationServerMetadata>();
  /** One authorization at a time per endpoint; concurrent challenges wait for it and resend. */
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #peers = new Map<string, PeerHttp>();
  #dpop?: Promise<DpopKey>;

  constructor(options: OAuthClientOptions) {
    if (!options?.flow)
      throw misuse(
        "new OAuthClient: flow is required: authorizationCodeFlow(...), clientCredentialsFlow(...), enterpriseFlow(...) or jwtBearerFlow(...)",
      );
    this.#opts = options;
    this.#store = options.store ?? new MemoryCredentialStore();
    this.#tokens = new TokenCache(this.#store);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The tokens held for an MCP endpoint, if any. */
  async tokens(serverUrl: string | URL): Promise<StoredTokens | undefined> {
    return (await this.#tokens.get(endpointKey(serverUrl))) ?? undefined;
  }

  /** Forgets the tokens for an MCP endpoint (a sign-out); the next request authorizes again. */
  forget(serverUrl: string | URL): Promise<void> {
    return this.#tokens.drop(endpointKey(serverUrl));
  }

  async headers(request: AuthRequest): Promise<Record<string, string>> {
    const key = endpointKey(request.url);
    await this.#inflight.get(key)?.catch(() => {});
    let t = await this.#tokens.get(key);
    if (t?.expiresAt !== undefined && t.expiresAt - 30_000 < Date.now()) {
      // Expired: refresh if we can; otherwise forget it and let the 401 start a new authorization.
      const expired = t;
      t = expired.refreshToken
        ? await this.#single(key, () => this.#refresh(key, expired)).then(
            () => this.#tokens.get(key),
            () => undefined,
          )
        : undefined;
      if (!t) await this.#tokens.drop(key);
    }
    if (t?.tokenType === "DPoP") {
      const dpop = await this.#dpopKey();
      // A DPoP token bound to another key (an earlier run's) cannot be used.
      if (t.dpopJkt !== dpop.thumbprint) {
        await this.#tokens.drop(key);
        return {};
      }
      return { authorization: `DPoP ${t.accessToken}`, dpop: await dpop.proof(request.method, request.url, t.accessToken) };
    }
    return t ? { authorization: `Bearer ${t.accessToken}` } : {};
  }

  /** The DPoP key's thumbprint, when this client has made a key (that is, asked for DPoP). */
  async #thumbprint(): Promise<string | undefined> {
    return this.#dpop ? (await this.#dpop).thumbprint : undefined;
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
      const current = await this.#tokens.get(key);
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
          // A fixed `scope` is where sign-in starts; asking for it again on a 403 could not help.
          (prm) =>
            needed
              ? unionScopes(this.#opts.scope, current?.scope, needed)
              : (this.#opts.scope ?? unionScopes(current?.scope, selectScope(undefined, prm))),
        );
        const got = (await this.#tokens.get(key))?.scope;
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
      // A held token refused: read the metadata again, since the server may have moved to another authorization
      // server (SEP-2352), whose registration and tokens are its own.
      if (current) for (const k of this.#discovered.keys()) if (k.startsWith(`${key} `)) this.#discovered.delete(k);
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

  async #discover(serverUrl: URL, challenge: BearerChallenge | undefined): Promise<Discovered> {
    const cacheKey = `${endpointKey(serverUrl)} ${challenge?.resourceMetadata ?? ""}`;
    const cached = this.#discovered.get(cacheKey);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached;
    const peer = this.#peer(serverUrl);
    const prm = await discoverProtectedResource(serverUrl, { resourceMetadata: challenge?.resourceMetadata, peer });
    const as = await discoverAuthorizationServer(prm.authorization_servers[0]!, { peer, requirePkce: flowOf(this.#opts.flow).usesPkce });
    checkEndpoints(as, peer, this.#opts.allowForeignTokenEndpoint === true);
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
    const dpopKey = dpop ? await this.#dpopKey() : undefined;
    return flowContext({
      as,
      prm,
      scope,
      store: this.#store,
      http: oauthHttp(this.#peer(serverUrl), dpopKey),
      httpFor: (url) => oauthHttp(this.#peer(url)),
    });
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
    const flow = flowOf(this.#opts.flow);
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
    await this.#tokens.take(key, res, { issuer: as.issuer, resource: ctx.resource, scope: ctx.scope }, await this.#thumbprint());
  }

  async #refresh(key: string, current: StoredTokens): Promise<void> {
    if (!current.refreshToken) throw new TrellisError("REQUEST_FAILED", "no refresh token");
    let as = this.#asByIssuer.get(current.issuer);
    if (!as) {
      const peer = this.#peer(key);
      as = await discoverAuthorizationServer(current.issuer, { peer, requirePkce: false });
      checkEndpoints(as, peer, this.#opts.allowForeignTokenEndpoint === true);
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
      const identity = await flowOf(this.#opts.flow).identify(ctx);
      const asm = as as unknown as oauth.AuthorizationServer;
      const refreshed = await withNonceRetry(async () => {
        const res = await oauth.refreshTokenGrantRequest(asm, identity.client, identity.auth, current.refreshToken!, {
          ...ctx.http,
          additionalParameters: { resource: current.resource },
        });
        return oauth.processRefreshTokenResponse(asm, identity.client, res);
      });
      await this.#tokens.take(
        key,
        refreshed,
        { issuer: as.issuer, resource: current.resource, scope: current.scope },
        await this.#thumbprint(),
        current,
      );
    } catch (err) {
      // A refresh token that no longer works is dropped so that the next attempt authorizes from scratch.
      await this.#tokens.drop(key);
      throw err;
    }
  }
}

/** endpointKey: the MCP endpoint a token belongs to (no query or fragment). */
function endpointKey(url: string | URL): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** The options of OAuthClient. */
import type { Jwk } from "../jwk.js";
import type { CredentialStore } from "./credential-store.js";

export interface OAuthClientOptions {
  /** How tokens are obtained: authorizationCodeFlow(...), clientCredentialsFlow(...), enterpriseFlow(...) or jwtBearerFlow(...). */
  flow: OAuthFlow;
  /** Where registrations and tokens are kept. Default: in memory. */
  store?: CredentialStore;
  /**
   * Ask for exactly these scopes instead of following the spec's scope selection. A step-up (403
   * insufficient_scope) still adds the scopes the server asks for.
   */
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

declare const FLOW: unique symbol;

/**
 * OAuthFlow is a way of getting tokens: make one with authorizationCodeFlow, clientCredentialsFlow, enterpriseFlow
 * or jwtBearerFlow and give it to OAuthClient. Its workings are Trellis's own.
 */
export interface OAuthFlow {
  /** A short name for messages ("authorization_code", "client_credentials", ...). */
  readonly name: string;
  readonly [FLOW]: true;
}

/** A client registered ahead of time with the authorization server. */
export interface PreRegisteredClient {
  clientId: string;
  clientSecret?: string;
  /**
   * The issuer these credentials belong to. They are never sent to another authorization server: without it,
   * the first one they are used with is remembered (in the credential store) and any other is refused.
   */
  issuer?: string;
  /** Default: from the server's token_endpoint_auth_methods_supported (basic, then post, for a secret). */
  tokenEndpointAuthMethod?: "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";
}

/** A private key for private_key_jwt client authentication (RFC 7523 section 2.2). */
export interface ClientKey {
  /** PKCS#8 PEM, a JWK with its private part, or a CryptoKey. */
  key: string | Jwk | CryptoKey;
  /** The JWS algorithm. Default: the JWK's alg, else ES256. */
  algorithm?: string;
  /** Key id to put in the assertion header. */
  kid?: string;
}

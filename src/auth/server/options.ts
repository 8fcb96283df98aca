/** The options of the embedded authorization server (trellis-mcp/auth-server). */
import type { JwkSet } from "../jwk.js";
import type { AuditSink } from "../../stores/audit.js";
import type { AuthStore } from "../../stores/auth-store.js";
import type { UserAuthenticator } from "./users.js";
import type { UpstreamIdp } from "./federation.js";

/** An MCP server (protected resource) this authorization server issues tokens for. */
export interface ProtectedResourceConfig {
  /** Its canonical URI, the MCP endpoint URL: tokens carry it as `aud`, clients name it as `resource`. */
  uri: string;
  /** Every scope it knows; what a client gets by default is its `defaultScopes`. */
  scopes?: string[];
  /** The minimal set a client asks for by default (the PRM's scopes_supported). Default: `scopes`. */
  defaultScopes?: string[];
  name?: string;
}

/** A client registered in configuration. */
export interface ConfiguredClient {
  clientId: string;
  /** For confidential clients using client_secret_basic / client_secret_post. Stored hashed in memory. */
  clientSecret?: string;
  /** For private_key_jwt: the client's public keys. */
  jwks?: JwkSet;
  /** Default: "none" without a secret or keys, "client_secret_basic" with a secret, "private_key_jwt" with keys. */
  tokenEndpointAuthMethod?: "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";
  /** Exact redirect URIs; a loopback one (http://127.0.0.1/cb, http://localhost/cb, http://[::1]/cb) matches any port. */
  redirectUris?: string[];
  /** Default: authorization_code and refresh_token for a client with redirect URIs, client_credentials for one with credentials and none. */
  grantTypes?: string[];
  /** Roles a machine (client_credentials, no user) has. */
  roles?: string[];
  clientName?: string;
}

/** An enterprise identity provider whose ID-JAGs (SEP-990) this server accepts. */
export interface TrustedIdp {
  issuer: string;
  /** Its JWKS URL or key set. */
  jwks: string | JwkSet;
  /** A short name, used in subjects (`idp:<name>:<sub>`) and the audit log. Default: the issuer's host. */
  name?: string;
  /** Roles every user it vouches for gets, on top of groupRoles for the groups it asserts. */
  roles?: string[];
}

export interface AuthServerOptions {
  /** The issuer identifier (an https URL, http on loopback). serveHttp fills it in when it mounts the server. */
  issuer?: string;
  /** The MCP servers tokens are for. serveHttp adds the one it serves. */
  resources?: ProtectedResourceConfig[];
  /** The default scopes (the PRM's scopes_supported) of a resource serveHttp adds. Default none. */
  defaultScopes?: string[];
  /** Where clients, codes, refresh families, consents, replay caches and keys live. Default "sqlite" (`database`). */
  store?: AuthStore | "sqlite" | "memory";
  /** Where authorization events go. Default "sqlite", beside the store; false for none. */
  audit?: AuditSink | "sqlite" | "memory" | false;
  /**
   * The scope that lets a bearer read the audit log over HTTP (`GET {issuer}/audit`, advertised as
   * `trellis_audit_endpoint`; the dashboard's Audit view uses it). It accepts access tokens this server issued for any
   * of its resources, as OpenID's UserInfo accepts its provider's tokens. Default: none, and no such endpoint.
   */
  auditScope?: string;
  /** The SQLite file of the "sqlite" store and audit log. Default ".trellis/trellis.db". */
  database?: string;
  /** How people sign in with a password (localUsers, or your own). */
  users?: UserAuthenticator;
  /** Upstream identity providers people may sign in with instead (oidcFederation). Without users or these, the code flow is refused. */
  federation?: UpstreamIdp[];
  /** Role name to the scopes it allows. A token carries only scopes the principal's roles allow. */
  roles?: Record<string, string[]>;
  /** Group name (from the user, or an ID-JAG's `groups`) to roles. */
  groupRoles?: Record<string, string[]>;
  clients?: ConfiguredClient[];
  /** Client ID Metadata Documents (SEP-991). Default on. */
  cimd?: boolean | CimdOptions;
  /** Dynamic Client Registration (RFC 7591). Default off. */
  dcr?: boolean | { perMinute?: number };
  /** Identity providers whose ID-JAGs are accepted on the jwt-bearer grant. */
  trustedIdps?: TrustedIdp[];
  /** DPoP (RFC 9449): bind tokens to the client's key when it sends a proof; `required` refuses tokens without one. */
  dpop?: { required?: boolean; requireNonce?: boolean };
  /** Access token lifetime, seconds. Default 900. */
  accessTokenTtlSec?: number;
  /** Refresh token family lifetime, seconds. Default 30 days. */
  refreshTokenTtlSec?: number;
  /** How long a just-rotated refresh token still works (concurrent refresh), seconds. Default 10. */
  refreshGraceSec?: number;
  /** Signing keys are replaced after this many seconds (old ones stay published until their tokens expire). Default 30 days. */
  keyRotationSec?: number;
  /** How long a signed-in user's browser session lasts, seconds. Default 8 hours. */
  sessionTtlSec?: number;
  /** Set the cookie Secure flag. Default: when the issuer is https. */
  secureCookies?: boolean;
}

export interface CimdOptions {
  /** The fetch used for documents. Default: globalThis.fetch (Node: a fetch that refuses names resolving to private addresses). */
  fetch?: typeof fetch;
  /** Per document, ms. Default 5 000. */
  timeoutMs?: number;
  /** Largest document, bytes. Default 64 KiB. */
  maxBytes?: number;
  /** Allow documents on loopback / private addresses (tests only). Default false. */
  allowPrivateNetwork?: boolean;
  /** Cache lifetime bounds, seconds (HTTP caching within them). Default 60 and 86 400. */
  minCacheSec?: number;
  maxCacheSec?: number;
}

/**
 * What an OAuth flow is to the OAuth client: the context it gets once discovery is done, the client identity it
 * authenticates with, and the two steps it performs. These types carry oauth4webapi's own and stay inside
 * Trellis: the public face of a flow is the opaque OAuthFlow that the flow factories return.
 */
import * as oauth from "oauth4webapi";
import type { StoredClient } from "./credential-store.js";
import type { AuthorizationServerMetadata, ResourceMetadata } from "./discovery.js";
import type { DpopKey } from "./dpop.js";
import type { PeerHttp } from "./peer-http.js";
import type { OAuthFlow } from "./options.js";

/**
 * Options for oauth4webapi requests: the fetch with the peer policy, timeout and size cap, and the DPoP handle.
 * One object serves the GETs (discovery, registration reads) and the POSTs (token, registration).
 */
export type OAuthHttp = oauth.HttpRequestOptions<"GET", undefined> &
  oauth.HttpRequestOptions<"POST", URLSearchParams> &
  oauth.HttpRequestOptions<"POST", string> &
  oauth.DPoPRequestOptions;

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
  http: OAuthHttp;
  /** The same, for a server the user configured (an enterprise IdP): its own address is allowed, limits still hold. */
  httpFor(url: string): OAuthHttp;
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

/** Flow is one way of getting tokens, as the OAuth client drives it; flows.ts has the ones the spec and its extensions define. */
export interface Flow {
  /** A short name for messages ("authorization_code", "client_credentials", ...). */
  readonly name: string;
  /** The flow sends users to the authorization endpoint, so the AS must advertise PKCE S256. */
  readonly usesPkce: boolean;
  /** The client identity to use at this authorization server (registering first if the flow does that). */
  identify(ctx: FlowContext): Promise<ClientIdentity>;
  /** Gets a new token. */
  obtain(ctx: FlowContext, identity: ClientIdentity): Promise<oauth.TokenEndpointResponse>;
}

/** oauthFlow makes a flow public; flowOf takes it back inside. */
export const oauthFlow = (flow: Flow): OAuthFlow => flow as unknown as OAuthFlow;
export const flowOf = (flow: OAuthFlow): Flow => flow as unknown as Flow;

/** oauthHttp is what oauth4webapi requests need: all fetches through `peer`, and the DPoP key when there is one. */
export function oauthHttp(peer: PeerHttp, dpop?: DpopKey): OAuthHttp {
  return {
    ...(dpop ? { DPoP: dpop.handle } : {}),
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => peer.fetch(url, init as RequestInit),
    [oauth.allowInsecureRequests]: true, // PeerHttp decides which URLs may be plain http
  } as OAuthHttp;
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

/**
 * trellis-mcp/auth: OAuth 2.1 for both roles — the resource server (bearerAuth, token verifiers) and the client
 * (OAuthClient and its flows, with the discovery and URL-policy building blocks). Runtime-neutral: Node-only helpers
 * are in trellis-mcp/auth/node. Everything exported here is public API, and only what is listed here.
 * @module
 */
export type { AuthInfo } from "../jsonrpc/transport.js";
export type { Jwk, JwkSet } from "./jwk.js";

// The resource server.
export { bearerAuth, type BearerAuthOptions } from "./resource-server/bearer.js";
export { InvalidTokenError, type TokenVerifier } from "./resource-server/verifier.js";
export { JwtTokenVerifier, type JwtTokenVerifierOptions } from "./resource-server/jwt-verifier.js";
export { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from "./resource-server/introspection-verifier.js";
export type { DpopOptions } from "./resource-server/dpop-verifier.js";
export type { ProtectedResourceMetadata } from "./resource-server/metadata.js";

// The client.
export { OAuthClient } from "./client/oauth-client.js";
export type { OAuthClientOptions, OAuthFlow, PreRegisteredClient, ClientKey } from "./client/options.js";
export {
  authorizationCodeFlow,
  clientCredentialsFlow,
  enterpriseFlow,
  jwtBearerFlow,
  type AuthorizationCodeFlowOptions,
  type ClientCredentialsFlowOptions,
  type EnterpriseFlowOptions,
  type JwtBearerFlowOptions,
} from "./client/flows.js";
export { MemoryCredentialStore, type CredentialStore, type StoredClient, type StoredTokens } from "./client/credential-store.js";
export { clientMetadataDocument, serveClientMetadata, type ClientMetadataDocument } from "./client/client-metadata.js";
export { AuthorizationFailedError, type HttpClientAuth, type AuthRequest } from "../transports/http-client/auth.js";
export {
  parseWwwAuthenticate,
  discoverProtectedResource,
  discoverAuthorizationServer,
  DiscoveryError,
  type DiscoveryOptions,
  type BearerChallenge,
  type ResourceMetadata,
  type AuthorizationServerMetadata,
} from "./client/discovery.js";
export { PeerHttp, addressKind, type PeerHttpOptions, type AddressKind } from "./client/peer-http.js";

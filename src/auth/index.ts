/**
 * trellis-mcp/auth: OAuth 2.1 for both roles — the resource server (verifiers, metadata) and the client
 * (OAuthClient and its flows). Runtime-neutral: Node-only helpers are in trellis-mcp/auth/node. Everything
 * exported here is public API.
 * @module
 */
export { InvalidTokenError, scopesOf, type TokenVerifier } from "./resource-server/verifier.js";
export { JwtTokenVerifier, type JwtTokenVerifierOptions } from "./resource-server/jwt-verifier.js";
export { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from "./resource-server/introspection-verifier.js";
export { metadataUrl, wellKnownPaths, type ProtectedResourceMetadata } from "./resource-server/metadata.js";
export { DpopProofVerifier, DpopError, type DpopOptions } from "./resource-server/dpop-verifier.js";
export { bearerAuth, type BearerAuthOptions } from "./resource-server/bearer.js";
export { PeerHttp, addressKind, type PeerHttpOptions, type AddressKind } from "./client/peer-http.js";
export type { AuthInfo } from "../jsonrpc/transport.js";
export {
  parseWwwAuthenticate,
  discoverProtectedResource,
  discoverAuthorizationServer,
  protectedResourceMetadataUrls,
  authorizationServerMetadataUrls,
  resourceCovers,
  selectScope,
  DiscoveryError,
  type DiscoveryOptions,
  type BearerChallenge,
  type ResourceMetadata,
  type AuthorizationServerMetadata,
} from "./client/discovery.js";
export {
  OAuthClient,
  unionScopes,
  isLoopbackUrl,
  describeOAuthError,
  type OAuthClientOptions,
  type OAuthFlow,
  type FlowContext,
  type ClientIdentity,
} from "./client/oauth-client.js";
export {
  authorizationCodeFlow,
  clientCredentialsFlow,
  enterpriseFlow,
  jwtBearerFlow,
  chooseAuthMethod,
  type AuthorizationCodeFlowOptions,
  type ClientCredentialsFlowOptions,
  type EnterpriseFlowOptions,
  type JwtBearerFlowOptions,
  type PreRegisteredClient,
  type ClientKey,
} from "./client/flows.js";
export { MemoryCredentialStore, type CredentialStore, type StoredClient, type StoredTokens } from "./client/credential-store.js";
export { clientMetadataDocument, serveClientMetadata, type ClientMetadataDocument } from "./client/client-metadata.js";
export { AuthorizationFailedError, type HttpClientAuth, type AuthRequest } from "../transports/http-client/auth.js";

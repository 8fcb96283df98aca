/**
 * trellis-mcp/auth: the OAuth 2.1 resource server side. Everything exported here is public API.
 * @module
 */
export { InvalidTokenError, scopesOf, type TokenVerifier } from "./verifier.js";
export { JwtTokenVerifier, type JwtTokenVerifierOptions } from "./jwt-verifier.js";
export { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from "./introspection-verifier.js";
export { metadataUrl, wellKnownPaths, type ProtectedResourceMetadata } from "./metadata.js";
export type { AuthInfo } from "../transports/transport.js";
export {
  parseWwwAuthenticate,
  discoverProtectedResource,
  discoverAuthorizationServer,
  protectedResourceMetadataUrls,
  authorizationServerMetadataUrls,
  resourceCovers,
  selectScope,
  DiscoveryError,
  type BearerChallenge,
  type ResourceMetadata,
  type AuthorizationServerMetadata,
} from "./client/discovery.js";

/**
 * The client side of authorization: building blocks of the flows (discovery so far). Public through trellis-mcp/auth.
 * @module
 */
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
} from "./discovery.js";

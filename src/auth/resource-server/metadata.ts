/** Protected Resource Metadata (RFC 9728): the document, and the well-known paths it is served at. */

export interface ProtectedResourceMetadata {
  /** This server's canonical URI. */
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  [key: string]: unknown;
}

/**
 * wellKnownPaths are where the document is served for an MCP endpoint at `resource`: the path-aware URI
 * (/.well-known/oauth-protected-resource/<path>) first, then the root one (authorization.mdx, discovery order).
 */
export function wellKnownPaths(resource: string | URL): string[] {
  const u = new URL(resource);
  const path = u.pathname.replace(/\/$/, "");
  return path && path !== "/"
    ? [`/.well-known/oauth-protected-resource${path}`, "/.well-known/oauth-protected-resource"]
    : ["/.well-known/oauth-protected-resource"];
}

/** metadataUrl is the resource_metadata URL announced in WWW-Authenticate (the path-aware one). */
export function metadataUrl(resource: string | URL): string {
  const u = new URL(resource);
  return `${u.origin}${wellKnownPaths(u)[0]}`;
}

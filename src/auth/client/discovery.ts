/**
 * Client-side discovery (authorization.mdx, "Authorization Server Discovery"): parse the resource server's
 * WWW-Authenticate challenge, find its Protected Resource Metadata (RFC 9728) — from the challenge's
 * resource_metadata, else the path-aware then the root well-known URI — and the authorization server's metadata
 * (RFC 8414, with the OpenID Connect fallbacks in the order the spec gives). Each response is checked: a PRM must
 * name this resource, AS metadata must name the issuer it was fetched for, and PKCE S256 must be supported.
 * Every URL fetched here was named by a peer, so every fetch goes through PeerHttp's policy (peer-http.ts).
 */
import { TrellisError } from "../../protocol/errors.js";
import { PeerHttp, type PeerHttpOptions } from "./peer-http.js";

/** DiscoveryOptions: the fetch policy, or a PeerHttp that already applies it for the MCP server being reached. */
export interface DiscoveryOptions extends PeerHttpOptions {
  peer?: PeerHttp;
}

/** The parameters of a Bearer challenge (RFC 6750 section 3, RFC 9728 section 5.1). */
export interface BearerChallenge {
  /** The challenge used the DPoP scheme (RFC 9449 section 7.1): the server wants sender-constrained tokens. */
  dpop?: boolean;
  resourceMetadata?: string;
  scope?: string;
  error?: string;
  errorDescription?: string;
}

/** parseWwwAuthenticate reads the Bearer (or DPoP) challenge of a WWW-Authenticate header; undefined if there is none. */
export function parseWwwAuthenticate(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined;
  const m = /(?:^|,\s*)(Bearer|DPoP)(?:\s+(.*))?$/i.exec(header.trim());
  if (!m) return undefined;
  const rest = m[2] ?? "";
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(rest); p; p = re.exec(rest)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  const out: BearerChallenge = {};
  if (m[1]!.toLowerCase() === "dpop") out.dpop = true;
  if (params.resource_metadata) out.resourceMetadata = params.resource_metadata;
  if (params.scope) out.scope = params.scope;
  if (params.error) out.error = params.error;
  if (params.error_description) out.errorDescription = params.error_description;
  return out;
}

/** DiscoveryError is a discovery step that found nothing usable; `tried` lists the URLs in order. */
export class DiscoveryError extends Error {
  readonly code = "DISCOVERY_FAILED";
  readonly tried: string[];
  constructor(message: string, tried: string[]) {
    super(`${message} (tried ${tried.join(", ")})`);
    this.name = "DiscoveryError";
    this.tried = tried;
  }
}

export interface ResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  [key: string]: unknown;
}

export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  registration_endpoint?: string;
  scopes_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  grant_types_supported?: string[];
  client_id_metadata_document_supported?: boolean;
  [key: string]: unknown;
}

/** protectedResourceMetadataUrls lists, in order, where a client looks for an MCP endpoint's PRM. */
export function protectedResourceMetadataUrls(serverUrl: string | URL, fromChallenge?: string): string[] {
  const u = new URL(serverUrl);
  const path = u.pathname.replace(/\/$/, "");
  const urls = fromChallenge ? [new URL(fromChallenge, u).href] : [];
  if (path && path !== "/") urls.push(`${u.origin}/.well-known/oauth-protected-resource${path}`);
  urls.push(`${u.origin}/.well-known/oauth-protected-resource`);
  return [...new Set(urls)];
}

/** authorizationServerMetadataUrls lists, in the spec's priority order, where an issuer's metadata may be. */
export function authorizationServerMetadataUrls(issuer: string | URL): string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/$/, "");
  if (!path || path === "/") return [`${u.origin}/.well-known/oauth-authorization-server`, `${u.origin}/.well-known/openid-configuration`];
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}/.well-known/openid-configuration${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * getJson fetches a JSON object. A URL that answers with an error status, not JSON, or not at all (connection
 * refused) yields undefined, so the next candidate is tried; a refused URL, a timeout or an oversized answer
 * throws, since trying more URLs would not make the peer any less hostile or the network any faster.
 */
async function getJson(url: string, peer: PeerHttp): Promise<Record<string, unknown> | undefined> {
  let res: Response;
  try {
    res = await peer.fetch(url, { headers: { accept: "application/json", "mcp-protocol-version": "2025-11-25" } });
  } catch (err) {
    if (err instanceof TrellisError) throw err;
    return undefined;
  }
  if (!res.ok) return undefined;
  try {
    const body = (await res.json()) as unknown;
    return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * discoverProtectedResource fetches the PRM of the MCP endpoint `serverUrl`, trying the challenge's URL first.
 * The document must name at least one authorization server, and a `resource` that this endpoint falls under
 * (RFC 9728 section 3.3), or discovery fails rather than trust a mismatched document.
 */
export async function discoverProtectedResource(
  serverUrl: string | URL,
  options: DiscoveryOptions & { resourceMetadata?: string } = {},
): Promise<ResourceMetadata & { url: string }> {
  const peer = options.peer ?? new PeerHttp(serverUrl, options);
  if (options.resourceMetadata !== undefined) peer.check(new URL(options.resourceMetadata, serverUrl), "resource_metadata");
  const tried: string[] = [];
  for (const url of protectedResourceMetadataUrls(serverUrl, options.resourceMetadata)) {
    tried.push(url);
    const doc = await getJson(url, peer);
    if (!doc) continue;
    if (typeof doc.resource !== "string" || !Array.isArray(doc.authorization_servers) || doc.authorization_servers.length === 0) continue;
    if (!resourceCovers(doc.resource, serverUrl))
      throw new DiscoveryError(`protected resource metadata at ${url} is for ${doc.resource}, not ${new URL(serverUrl).href}`, tried);
    return { ...(doc as ResourceMetadata), url };
  }
  throw new DiscoveryError(`no protected resource metadata for ${new URL(serverUrl).href}`, tried);
}

/** resourceCovers tells whether a PRM `resource` names this endpoint or a parent of it (same origin, path prefix). */
export function resourceCovers(resource: string, serverUrl: string | URL): boolean {
  const r = new URL(resource);
  const s = new URL(serverUrl);
  if (r.origin !== s.origin) return false;
  const rp = r.pathname.replace(/\/$/, "");
  return rp === "" || s.pathname === rp || s.pathname.startsWith(`${rp}/`);
}

/**
 * discoverAuthorizationServer fetches an issuer's metadata in the spec's order. The metadata's `issuer` must
 * equal the issuer asked for (RFC 8414 section 3.3), and it must support PKCE S256 (authorization.mdx
 * requires clients to refuse an AS that does not say so).
 */
export async function discoverAuthorizationServer(
  issuer: string,
  options: DiscoveryOptions & { requirePkce?: boolean } = {},
): Promise<AuthorizationServerMetadata> {
  const peer = options.peer ?? new PeerHttp(issuer, options);
  peer.check(issuer, "authorization server");
  const tried: string[] = [];
  for (const url of authorizationServerMetadataUrls(issuer)) {
    tried.push(url);
    const doc = await getJson(url, peer);
    if (!doc) continue;
    if (doc.issuer !== issuer && doc.issuer !== issuer.replace(/\/$/, ""))
      throw new DiscoveryError(`metadata at ${url} names issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}`, tried);
    if (typeof doc.token_endpoint !== "string") continue;
    const methods = doc.code_challenge_methods_supported;
    if (options.requirePkce !== false && !(Array.isArray(methods) && methods.includes("S256"))) {
      throw new DiscoveryError(
        `authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported); refusing it`,
        tried,
      );
    }
    return doc as AuthorizationServerMetadata;
  }
  throw new DiscoveryError(`no authorization server metadata for ${issuer}`, tried);
}

/**
 * checkEndpoints holds an authorization server's endpoints to the peer policy, and its token endpoint, where
 * secrets and assertions go, to its issuer's own origin unless `allowForeignTokenEndpoint`.
 */
export function checkEndpoints(as: AuthorizationServerMetadata, peer: PeerHttp, allowForeignTokenEndpoint: boolean): void {
  for (const [what, url] of [
    ["token endpoint", as.token_endpoint],
    ["authorization endpoint", as.authorization_endpoint],
    ["registration endpoint", as.registration_endpoint],
  ] as const) {
    if (url !== undefined) peer.check(url, what);
  }
  if (!allowForeignTokenEndpoint && new URL(as.token_endpoint).origin !== new URL(as.issuer).origin) {
    throw new TrellisError(
      "UNSAFE_URL",
      `the token endpoint ${as.token_endpoint} is not on the origin of its issuer ${as.issuer}; refusing to send credentials there (allowForeignTokenEndpoint allows it)`,
    );
  }
}

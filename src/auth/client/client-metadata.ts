/**
 * Client ID Metadata Documents (SEP-991, draft-ietf-oauth-client-id-metadata-document): the client's
 * client_id is an https URL, and the document at that URL describes the client. clientMetadataDocument()
 * builds and checks the document; serveClientMetadata() answers requests for it with the fetch API, so it
 * mounts on any web-standard server (and on serveHttp's fetch face).
 */
import { misuse } from "../../protocol/errors.js";

export interface ClientMetadataDocument {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: string;
  client_uri?: string;
  logo_uri?: string;
  jwks_uri?: string;
  [field: string]: unknown;
}

/** checkClientIdUrl: a URL client_id must be https, with a path and no fragment (SEP-991). */
export function checkClientIdUrl(clientId: string, what = "client_id"): void {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw misuse(`${what} must be the https URL the client metadata document is served at, got ${JSON.stringify(clientId)}`);
  }
  if (url.protocol !== "https:" || url.pathname === "/" || url.hash)
    throw misuse(`${what} ${clientId} must be an https URL with a path and no fragment (SEP-991)`);
}

/**
 * clientMetadataDocument checks the rules the spec sets (https URL with a path, client_id equal to that URL,
 * client_name and redirect_uris present) and fills in the authorization-code defaults.
 */
export function clientMetadataDocument(doc: ClientMetadataDocument): ClientMetadataDocument {
  checkClientIdUrl(doc.client_id);
  if (!doc.client_name) throw misuse("a client metadata document needs client_name");
  if (!Array.isArray(doc.redirect_uris) || doc.redirect_uris.length === 0)
    throw misuse("a client metadata document needs at least one redirect_uris entry");
  for (const r of doc.redirect_uris) new URL(r);
  if (doc.token_endpoint_auth_method?.startsWith("client_secret"))
    throw misuse("a client metadata document cannot use a shared secret (client_secret_*): use none or private_key_jwt with jwks_uri");
  return { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none", ...doc };
}

/** serveClientMetadata answers GET/HEAD for the document's own path with the JSON document; anything else is 404/405. */
export function serveClientMetadata(doc: ClientMetadataDocument): (request: Request) => Response {
  const checked = clientMetadataDocument(doc);
  const path = new URL(checked.client_id).pathname;
  const body = JSON.stringify(checked);
  return (request) => {
    if (new URL(request.url).pathname !== path) return new Response("not found", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD")
      return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    return new Response(request.method === "HEAD" ? null : body, {
      headers: { "content-type": "application/json", "cache-control": "public, max-age=3600" },
    });
  };
}

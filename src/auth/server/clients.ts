/**
 * Clients: who may ask for tokens, and how each proves it. Three kinds, looked up in this order:
 * - configured (ConfiguredClient in the options);
 * - registered through Dynamic Client Registration (RFC 7591, registration.ts), kept in the store — off unless
 *   turned on, and rate-limited when on;
 * - Client ID Metadata Documents (SEP-991): the client_id is an https URL whose document names the client and
 *   its redirect URIs. The URL is a peer's choice, so it is fetched under the SSRF rules (https only, no private,
 *   loopback or link-local target — names are resolved and checked too — no redirects, a size and a time limit)
 *   and cached by HTTP caching rules within bounds.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { PeerHttp } from "../client/peer-http.js";
import type { JwkSet } from "../jwk.js";
import { misuse, TrellisError } from "../../protocol/errors.js";
import type { AuthStore } from "../../stores/auth-store.js";
import { cleanName, foldName, type ShownClient } from "./client-names.js";
import { OAuthError, sameSecret, sha256 } from "./http.js";
import type { AuthServerOptions, CimdOptions, ConfiguredClient } from "./options.js";
import { pinnedFetch } from "./pinned-fetch.js";

export type AuthMethod = "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";
export const AUTH_METHODS: AuthMethod[] = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];

export interface ClientRecord {
  clientId: string;
  kind: "configured" | "registered" | "metadata-document";
  clientName?: string;
  redirectUris: string[];
  grantTypes: string[];
  authMethod: AuthMethod;
  /** SHA-256 of the secret (client secrets are random and long, so a fast hash is enough). */
  secretHash?: string;
  jwks?: JwkSet;
  roles?: string[];
}

const MAX_PENDING_DOCUMENTS = 100;
const FAILED_DOCUMENT_MS = 30_000;
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * safeRedirectUri: what a client nobody vetted (a metadata document, a registration) may name as its redirect URI
 * (OAuth 2.1 section 2.3.1): https, http on loopback, or a private-use scheme of reverse domain form
 * ("com.example.app:/cb"); never javascript:, data:, file: or plain http across the network.
 */
export function safeRedirectUri(uri: unknown): boolean {
  if (typeof uri !== "string" || !URL.canParse(uri)) return false;
  const u = new URL(uri);
  if (u.hash) return false;
  if (u.protocol === "https:") return true;
  if (u.protocol === "http:") return LOOPBACK_HOSTS.has(u.hostname);
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(u.protocol);
}

/** redirectAllowed: exact match, except that a loopback redirect URI matches on any port (RFC 8252 section 7.3). */
export function redirectAllowed(registered: string[], uri: string): boolean {
  if (registered.includes(uri)) return true;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" || !LOOPBACK_HOSTS.has(u.hostname)) return false;
  return registered.some((r) => {
    const x = URL.canParse(r) ? new URL(r) : undefined;
    return (
      x !== undefined &&
      x.protocol === "http:" &&
      x.hostname === u.hostname &&
      x.pathname === u.pathname &&
      x.search === u.search &&
      !u.hash &&
      !x.hash &&
      u.username === "" &&
      u.password === ""
    );
  });
}

async function configured(c: ConfiguredClient): Promise<ClientRecord> {
  if (!c?.clientId || typeof c.clientId !== "string") throw misuse("authServer: each client needs a clientId");
  const method: AuthMethod = c.tokenEndpointAuthMethod ?? (c.jwks ? "private_key_jwt" : c.clientSecret ? "client_secret_basic" : "none");
  if ((method === "client_secret_basic" || method === "client_secret_post") && !c.clientSecret)
    throw misuse(`authServer: client ${c.clientId} uses ${method} but has no clientSecret`);
  if (method === "private_key_jwt" && !c.jwks) throw misuse(`authServer: client ${c.clientId} uses private_key_jwt but has no jwks`);
  if (c.clientSecret !== undefined && c.clientSecret.length < 16)
    throw misuse(`authServer: client ${c.clientId}: a clientSecret needs at least 16 characters`);
  for (const r of c.redirectUris ?? [])
    if (!URL.canParse(r) || new URL(r).hash)
      throw misuse(`authServer: client ${c.clientId}: redirect URI ${JSON.stringify(r)} must be an absolute URL without a fragment`);
  const grantTypes =
    c.grantTypes ?? (c.redirectUris?.length ? ["authorization_code", "refresh_token"] : method === "none" ? [] : ["client_credentials"]);
  return {
    clientId: c.clientId,
    kind: "configured",
    clientName: c.clientName,
    redirectUris: c.redirectUris ?? [],
    grantTypes,
    authMethod: method,
    secretHash: c.clientSecret === undefined ? undefined : await sha256(c.clientSecret),
    jwks: c.jwks,
    roles: c.roles,
  };
}

export class Clients {
  readonly #store: AuthStore;
  readonly #configured: Promise<Map<string, ClientRecord>>;
  readonly #cimd?: CimdOptions;
  readonly #cache = new Map<string, { record: ClientRecord; until: number }>();
  readonly #pending = new Map<string, Promise<ClientRecord>>();
  readonly #failed = new Map<string, { error: OAuthError; until: number }>();

  constructor(options: AuthServerOptions, store: AuthStore) {
    this.#store = store;
    const list = options.clients ?? [];
    const ids = new Set<string>();
    for (const c of list) {
      if (ids.has(c?.clientId)) throw misuse(`authServer: client ${c.clientId} is configured twice`);
      ids.add(c?.clientId);
    }
    this.#configured = Promise.all(list.map(configured)).then((rs) => new Map(rs.map((r) => [r.clientId, r])));
    this.#configured.catch(() => {});
    this.#cimd = options.cimd === false ? undefined : options.cimd === true || options.cimd === undefined ? {} : options.cimd;
  }

  get cimdEnabled(): boolean {
    return this.#cimd !== undefined;
  }

  /** ready settles once configured clients are checked (a bad one rejects with the misuse error). */
  ready(): Promise<unknown> {
    return this.#configured;
  }

  /** find looks a client up; undefined when there is none. A metadata document that cannot be used throws OAuthError. */
  async find(clientId: string): Promise<ClientRecord | undefined> {
    if (typeof clientId !== "string" || clientId === "" || clientId.length > 2048) return undefined;
    const c = (await this.#configured).get(clientId);
    if (c) return c;
    if (/^https:\/\//i.test(clientId)) return this.#cimd ? this.#document(clientId) : undefined;
    return (await this.#store.get<ClientRecord>("client", clientId)) ?? undefined;
  }

  async #document(clientId: string): Promise<ClientRecord> {
    const now = Date.now();
    const cached = this.#cache.get(clientId);
    if (cached && cached.until > now) return cached.record;
    // A document that failed is not fetched again for a while, and only so many fetches run at once: requests
    // naming documents must not turn this server into a fetcher for whoever sends them.
    const failed = this.#failed.get(clientId);
    if (failed && failed.until > now) throw failed.error;
    let p = this.#pending.get(clientId);
    if (!p) {
      if (this.#pending.size >= MAX_PENDING_DOCUMENTS)
        throw new OAuthError("temporarily_unavailable", "too many client metadata documents are being fetched; try again shortly", 503);
      p = this.#fetchDocument(clientId)
        .catch((err: unknown) => {
          if (err instanceof OAuthError) {
            this.#failed.set(clientId, { error: err, until: Date.now() + FAILED_DOCUMENT_MS });
            if (this.#failed.size > 1000) this.#failed.delete(this.#failed.keys().next().value!);
          }
          throw err;
        })
        .finally(() => this.#pending.delete(clientId));
      this.#pending.set(clientId, p);
    }
    return p;
  }

  async #fetchDocument(clientId: string): Promise<ClientRecord> {
    const o = this.#cimd!;
    const bad = (why: string) => new OAuthError("invalid_client", `client metadata document ${clientId}: ${why}`, 401);
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      throw bad("not a URL");
    }
    if (url.protocol !== "https:" || url.pathname === "/" || url.hash || url.username || url.password || /\/\.\.?(\/|$)/.test(url.pathname))
      throw bad("a client_id URL must be https, with a path, and without a fragment, credentials or dot segments");
    const peer = new PeerHttp("https://public.invalid/", {
      // In Node the connection itself is pinned to public addresses; a fetch passed in decides for itself.
      fetch: o.fetch ?? (o.allowPrivateNetwork ? undefined : pinnedFetch),
      timeoutMs: o.timeoutMs ?? 5000,
      maxResponseBytes: o.maxBytes ?? 64 * 1024,
      allowPrivateNetwork: o.allowPrivateNetwork,
      maxRedirects: 0,
    });
    let res: Response;
    try {
      peer.check(url, "client_id");
      res = await peer.fetch(url, { headers: { accept: "application/json" } });
    } catch (err) {
      throw bad(err instanceof TrellisError ? err.message : `could not be fetched (${(err as Error).message})`);
    }
    if (res.status !== 200)
      throw bad(`answered ${res.status}${res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : ""}, not 200`);
    let doc: Record<string, unknown>;
    try {
      doc = (await res.json()) as Record<string, unknown>;
    } catch {
      throw bad("is not JSON");
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad("is not a JSON object");
    if (doc.client_id !== clientId) throw bad("its client_id is not the URL it is served at");
    const redirects = doc.redirect_uris;
    if (!Array.isArray(redirects) || redirects.length === 0 || redirects.length > 20 || !redirects.every(safeRedirectUri))
      throw bad(
        "redirect_uris must list https URLs, http on loopback, or private-use scheme URIs (com.example.app:/cb), without fragments",
      );
    const method = (doc.token_endpoint_auth_method ?? "none") as AuthMethod;
    if (method !== "none" && method !== "private_key_jwt")
      throw bad(
        `token_endpoint_auth_method ${JSON.stringify(method)}: a metadata document cannot hold a shared secret (use none or private_key_jwt)`,
      );
    if (method === "private_key_jwt" && (typeof doc.jwks !== "object" || doc.jwks === null))
      throw bad("private_key_jwt needs the keys inline (jwks); jwks_uri is not fetched");
    const grantTypes = Array.isArray(doc.grant_types) ? (doc.grant_types as string[]) : ["authorization_code", "refresh_token"];
    const name = cleanName(doc.client_name);
    if (name !== undefined && (await this.impersonated(name)))
      throw bad(`client_name ${JSON.stringify(name)} is the name of an application configured on this server; choose another`);
    const record: ClientRecord = {
      clientId,
      kind: "metadata-document",
      clientName: name,
      redirectUris: redirects as string[],
      grantTypes: grantTypes.filter((g) => g === "authorization_code" || g === "refresh_token"),
      authMethod: method,
      jwks: method === "private_key_jwt" ? (doc.jwks as JwkSet) : undefined,
    };
    const ttl = cacheSeconds(res.headers, o.minCacheSec ?? 60, o.maxCacheSec ?? 86_400);
    this.#cache.set(clientId, { record, until: Date.now() + ttl * 1000 });
    if (this.#cache.size > 1000) this.#cache.delete(this.#cache.keys().next().value!);
    return record;
  }

  /**
   * authenticate identifies the client of a token or revocation request by the one method it used, which must be
   * the method it is registered with. Throws OAuthError invalid_client (401).
   */
  async authenticate(form: Record<string, string>, headers: Headers, audiences: string[]): Promise<ClientRecord> {
    const fail = (why: string) =>
      new OAuthError("invalid_client", why, 401, { "www-authenticate": 'Basic realm="token", charset="UTF-8"' });
    const basic = headers.get("authorization");
    const used: AuthMethod[] = [];
    let id: string | undefined;
    let secret: string | undefined;
    if (basic?.toLowerCase().startsWith("basic ")) {
      let decoded: string;
      try {
        decoded = atob(basic.slice(6).trim());
      } catch {
        throw fail("the Basic credentials are not base64");
      }
      const colon = decoded.indexOf(":");
      if (colon < 0) throw fail("the Basic credentials are not client_id:client_secret");
      try {
        id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
      } catch {
        throw fail("the Basic credentials are not form-encoded");
      }
      used.push("client_secret_basic");
    }
    if (form.client_secret !== undefined) used.push("client_secret_post");
    if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) used.push("private_key_jwt");
    if (used.length > 1) throw new OAuthError("invalid_request", `use one client authentication method, not ${used.join(" and ")}`);
    const method: AuthMethod = used[0] ?? "none";
    if (method === "client_secret_post") secret = form.client_secret;
    if (method === "private_key_jwt") {
      if (form.client_assertion_type !== ASSERTION_TYPE) throw fail(`client_assertion_type must be ${ASSERTION_TYPE}`);
      id = form.client_id ?? unverifiedIssuer(form.client_assertion);
    }
    if (method !== "client_secret_basic") id = id ?? form.client_id;
    else if (form.client_id !== undefined && form.client_id !== id)
      throw new OAuthError("invalid_request", "client_id differs from the Basic credentials");
    if (!id) throw fail("the request names no client (client_id)");
    const client = await this.find(id);
    if (!client) throw fail(`unknown client ${id}`);
    if (client.authMethod !== method) throw fail(`client ${id} must authenticate with ${client.authMethod}, not ${method}`);
    if (method === "client_secret_basic" || method === "client_secret_post") {
      if (!client.secretHash || !secret || !sameSecret(await sha256(secret), client.secretHash)) throw fail("the client secret is wrong");
    }
    if (method === "private_key_jwt") await this.#checkAssertion(client, form.client_assertion ?? "", audiences, fail);
    return client;
  }

  /** RFC 7523 section 3: iss = sub = client_id, aud this server, exp, a jti never seen before, signed by the client's keys. */
  async #checkAssertion(client: ClientRecord, assertion: string, audiences: string[], fail: (why: string) => OAuthError): Promise<void> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks as JSONWebKeySet), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: audiences,
        requiredClaims: ["exp", "jti"],
        clockTolerance: 30,
        maxTokenAge: "10 minutes",
        algorithms: ["ES256", "ES384", "PS256", "RS256", "EdDSA"],
      }));
    } catch (err) {
      throw fail(`the client assertion is not valid (${(err as Error).message})`);
    }
    const exp = payload.exp as number;
    if (exp * 1000 > Date.now() + 10 * 60_000) throw fail("the client assertion lives too long (exp more than 10 minutes ahead)");
    const fresh = await this.#store.add("replay", `assertion ${client.clientId} ${String(payload.jti)}`, 1, exp * 1000 + 60_000);
    if (!fresh) throw fail("the client assertion was already used (jti replayed)");
  }

  /**
   * shown: how the pages name a client, whose name was recorded as `clientName` (the client record, or a consent
   * that copied it). A configured client is named as configured today. Any other name is the client's own claim and
   * is checked again each time it is shown, not only when it was registered: a record kept from before a rule
   * existed, or a consent that copied it, may hold a name with invisible or bidi characters (shown cleaned), and a
   * configured client added later may bear the name a registration took before (not shown: `imitation`).
   */
  async shown(clientId: string, clientName: unknown): Promise<ShownClient> {
    const configured = (await this.#configured).get(clientId);
    if (configured) return { clientId, kind: "configured", name: configured.clientName };
    const kind = /^https:\/\//i.test(clientId) ? "metadata-document" : "registered";
    const name = cleanName(clientName);
    if (name !== undefined && (await this.impersonated(name))) return { clientId, kind, imitation: true };
    return { clientId, kind, name };
  }

  /**
   * impersonated: the configured client whose name (or, for one without a name, whose id — what the pages then
   * show) `name` reads as, compared as cleanName leaves it and without case; undefined when it reads as none.
   */
  async impersonated(name: string): Promise<ClientRecord | undefined> {
    const want = foldName(name);
    for (const c of (await this.#configured).values())
      if (foldName(c.clientName ?? c.clientId) === want || foldName(c.clientId) === want) return c;
    return undefined;
  }
}

function unverifiedIssuer(assertion: string | undefined): string | undefined {
  try {
    const payload = JSON.parse(atob((assertion ?? "").split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { iss?: unknown };
    return typeof payload.iss === "string" ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

/** The document's freshness by Cache-Control max-age (or no-store / no-cache: the minimum), within [min, max]. */
function cacheSeconds(headers: Headers, min: number, max: number): number {
  const cc = headers.get("cache-control") ?? "";
  if (/\b(no-store|no-cache)\b/i.test(cc)) return min;
  const m = /\bmax-age\s*=\s*(\d+)/i.exec(cc);
  const age = m ? Number(m[1]) : min;
  return Math.min(max, Math.max(min, age));
}

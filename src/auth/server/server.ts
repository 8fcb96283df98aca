/**
 * AuthorizationServer: an OAuth 2.1 authorization server for MCP servers, as one web-standard handler
 * (`fetch(Request) → Response`). serveHttp mounts it beside the MCP endpoint with one option (`authServer`),
 * or any runtime can serve it on its own. See the README's "Authorization server" section for what it does and
 * why it is built on jose rather than oidc-provider.
 */
import { decodeJwt } from "jose";
import { misuse } from "../../protocol/errors.js";
import type { AuditEvent, AuditQuery, AuditSink } from "../../stores/audit.js";
import { toJsonLines } from "../../stores/audit.js";
import type { AuthStore } from "../../stores/auth-store.js";
import { MemoryAuthStore } from "../../stores/memory/auth-store.js";
import { MemoryAuditSink } from "../../stores/audit.js";
import { SqliteAuthStore } from "../../stores/sqlite/auth-store.js";
import { SqliteAuditSink } from "../../stores/sqlite/audit-sink.js";
import type { HttpAuthenticator } from "../../transports/http/authenticator.js";
import { bearerAuth } from "../resource-server/bearer.js";
import { DpopProofVerifier } from "../resource-server/dpop-verifier.js";
import type { TokenVerifier } from "../resource-server/verifier.js";
import { authorize, callback, consent, federated, signedInUser } from "./authorize.js";
import { AUTH_METHODS, Clients } from "./clients.js";
import type { ServerContext } from "./context.js";
import { cookie, html, json, readForm, redirect, sameSecret } from "./http.js";
import { IdJagVerifier } from "./id-jag.js";
import { login } from "./login.js";
import { SigningKeys, sharedSecret } from "./keys.js";
import type { AuthServerOptions, ProtectedResourceConfig } from "./options.js";
import { errorPage, grantsPage } from "./pages.js";
import { register } from "./registration.js";
import { revoke, token } from "./token.js";
import { Tokens } from "./tokens.js";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SIGNING_ALGS = ["ES256", "ES384", "PS256", "RS256", "EdDSA"];
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, content-type, dpop",
  "access-control-expose-headers": "dpop-nonce, www-authenticate",
};

/** A grant as the user sees it: a client's access to a resource, with the scopes approved. */
export interface UserGrant {
  id: string;
  clientId: string;
  clientName?: string;
  resource: string;
  scopes: string[];
  grantedAt: string;
}

export class AuthorizationServer {
  readonly options: AuthServerOptions;
  readonly store: AuthStore;
  readonly auditSink?: AuditSink;
  readonly #resources = new Map<string, ProtectedResourceConfig>();
  readonly #ctx: ServerContext;
  #issuer?: string;
  /** Called with errors that have no caller (an audit sink that throws). */
  onerror?: (err: Error) => void;

  constructor(options: AuthServerOptions = {}) {
    this.options = options;
    if (options.issuer !== undefined) this.setIssuer(options.issuer);
    for (const r of options.resources ?? []) this.addResource(r);
    for (const [role, scopes] of Object.entries(options.roles ?? {}))
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string" || /\s/.test(s) || s === ""))
        throw misuse(`authServer: role ${role} must map to a list of scope names without spaces`);
    const store = options.store ?? "sqlite";
    this.store =
      store === "memory" ? new MemoryAuthStore() : store === "sqlite" ? new SqliteAuthStore({ filename: options.database }) : store;
    const audit = options.audit ?? "sqlite";
    this.auditSink =
      audit === false
        ? undefined
        : audit === "memory"
          ? new MemoryAuditSink()
          : audit === "sqlite"
            ? new SqliteAuditSink({ filename: options.database })
            : audit;
    const rotate = (options.keyRotationSec ?? 30 * 86_400) * 1000;
    const accessTtl = options.accessTokenTtlSec ?? 900;
    const keys = new SigningKeys(this.store, rotate, (accessTtl + 3600) * 1000);
    const tokens = new Tokens({
      issuer: () => this.issuer,
      keys,
      store: this.store,
      accessTtlSec: accessTtl,
      refreshTtlSec: options.refreshTokenTtlSec ?? 30 * 86_400,
      graceSec: options.refreshGraceSec ?? 10,
    });
    const self = this;
    this.#ctx = {
      options,
      issuer: () => this.issuer,
      url: (path) => `${this.issuer}${path}`,
      resource: (uri) => (uri === undefined ? undefined : this.#resources.get(uri)),
      store: this.store,
      clients: new Clients(options, this.store),
      tokens,
      idJag: new IdJagVerifier(options.trustedIdps ?? [], this.store),
      // Nonces and the replay cache live in the store: a proof or a nonce is judged alike by every node.
      dpop: new DpopProofVerifier({
        requireNonce: options.dpop?.requireNonce,
        nonceSecret: () => sharedSecret(this.store, "dpop-nonce-secret"),
        replayCache: { add: (key, until) => this.store.add("replay", `dpop ${key}`, 1, until) },
      }),
      auditSink: this.auditSink,
      async audit(event) {
        if (!self.auditSink) return;
        try {
          await self.auditSink.write({ at: new Date().toISOString(), ...event } as AuditEvent);
        } catch (err) {
          self.onerror?.(err as Error);
        }
      },
      secureCookies: () => options.secureCookies ?? this.issuer.startsWith("https://"),
    };
    this.#keys = keys;
    // Expired records (pending sign-ins, used codes, replay entries) are dropped once a minute.
    this.#sweeper = setInterval(() => {
      Promise.resolve(this.store.sweep()).catch((err: Error) => this.onerror?.(err));
    }, 60_000);
    this.#sweeper.unref?.();
  }

  readonly #sweeper: ReturnType<typeof setInterval>;

  readonly #keys: SigningKeys;

  /** The issuer identifier. Throws until it is known (serveHttp sets it once it listens). */
  get issuer(): string {
    if (!this.#issuer) throw misuse("AuthorizationServer: the issuer is not set; pass issuer, or mount it with serveHttp({ authServer })");
    return this.#issuer;
  }

  get hasIssuer(): boolean {
    return this.#issuer !== undefined;
  }

  /** setIssuer names the server: an origin (https, or http on loopback), no path. */
  setIssuer(issuer: string): void {
    let u: URL;
    try {
      u = new URL(issuer);
    } catch {
      throw misuse(`AuthorizationServer: issuer ${JSON.stringify(issuer)} is not a URL`);
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback))
      throw misuse(`AuthorizationServer: issuer ${issuer} must be https (http only on loopback)`);
    if (u.pathname !== "/" || u.search || u.hash || issuer.endsWith("/"))
      throw misuse(
        `AuthorizationServer: issuer must be an origin such as "https://auth.example.com", without a path or a trailing slash; got ${issuer}`,
      );
    this.#issuer = u.origin;
  }

  /** addResource adds an MCP server this server issues tokens for. */
  addResource(r: ProtectedResourceConfig): void {
    if (!r?.uri || !URL.canParse(r.uri) || new URL(r.uri).hash)
      throw misuse(`authServer: resource uri ${JSON.stringify(r?.uri)} must be an absolute URL without a fragment`);
    for (const s of [...(r.scopes ?? []), ...(r.defaultScopes ?? [])])
      if (typeof s !== "string" || s === "" || /\s/.test(s))
        throw misuse(`authServer: resource ${r.uri}: scope ${JSON.stringify(s)} is not a scope name`);
    this.#resources.set(r.uri, { ...r });
  }

  get resources(): ProtectedResourceConfig[] {
    return [...this.#resources.values()];
  }

  /** ready checks what can only be checked asynchronously (configured client secrets); a bad configuration rejects. */
  ready(): Promise<unknown> {
    return this.#ctx.clients.ready();
  }

  /** The paths this server answers, for a host that routes by path. */
  static readonly PATHS = [
    "/.well-known/oauth-authorization-server",
    "/jwks",
    "/authorize",
    "/authorize/login",
    "/authorize/consent",
    "/authorize/federated",
    "/authorize/callback",
    "/token",
    "/revoke",
    "/register",
    "/authorize/grants",
    "/authorize/grants/revoke",
    "/audit",
  ];

  handles(pathname: string): boolean {
    if (pathname === "/audit" && !this.options.auditScope) return false;
    return AuthorizationServer.PATHS.includes(pathname);
  }

  /**
   * mount protects an MCP endpoint with this server's tokens (serveHttp calls it with `authServer`): the issuer
   * becomes the endpoint's origin unless set, the endpoint becomes a resource, and the returned authenticator is
   * bearerAuth with this server's verifier (revocation included) and DPoP as configured.
   */
  mount(resource: string): HttpAuthenticator {
    if (!this.hasIssuer) this.setIssuer(new URL(resource).origin);
    if (!this.#resources.has(resource)) this.addResource({ uri: resource, defaultScopes: this.options.defaultScopes });
    const r = this.#resources.get(resource)!;
    return bearerAuth({
      verifier: this.verifier(resource),
      resource,
      authorizationServers: [this.issuer],
      scopesSupported: r.defaultScopes ?? r.scopes,
      resourceName: r.name,
      dpop: this.options.dpop
        ? {
            required: this.options.dpop.required,
            requireNonce: this.options.dpop.requireNonce,
            nonceSecret: () => sharedSecret(this.store, "dpop-nonce-secret"),
            replayCache: { add: (key, until) => this.store.add("replay", `dpop-rs ${key}`, 1, until) },
          }
        : undefined,
    });
  }

  /** verifier is the TokenVerifier for one of its resources (bearerAuth's `verifier`); revoked tokens are refused. */
  verifier(resource: string): TokenVerifier {
    return this.#ctx.tokens.verifier(resource);
  }

  metadata(): Record<string, unknown> {
    const scopes = new Set<string>();
    for (const r of this.#resources.values()) for (const s of r.scopes ?? r.defaultScopes ?? []) scopes.add(s);
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      jwks_uri: `${this.issuer}/jwks`,
      revocation_endpoint: `${this.issuer}/revoke`,
      ...(this.options.dcr ? { registration_endpoint: `${this.issuer}/register` } : {}),
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        ...((this.options.trustedIdps?.length ?? 0) > 0 ? [JWT_BEARER] : []),
      ],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: SIGNING_ALGS,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      code_challenge_methods_supported: ["S256"],
      scopes_supported: [...scopes],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: this.#ctx.clients.cimdEnabled,
      dpop_signing_alg_values_supported: SIGNING_ALGS,
      ...(this.options.dpop?.required ? { dpop_bound_access_tokens_required: true } : {}),
      ...(this.options.auditScope ? { trellis_audit_endpoint: `${this.issuer}/audit` } : {}),
    };
  }

  /** fetch answers one request to the authorization server; unknown paths get 404. Never throws. */
  async fetch(request: Request): Promise<Response> {
    try {
      return await this.#route(request);
    } catch (err) {
      this.onerror?.(err as Error);
      return json(500, { error: "server_error", error_description: "the authorization server failed; see its log" });
    }
  }

  async #route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const m = request.method;
    const ctx = this.#ctx;
    const api = path === "/token" || path === "/revoke" || path === "/register" || path === "/jwks" || path.startsWith("/.well-known/");
    if (m === "OPTIONS" && api)
      return new Response(null, { status: 204, headers: { ...CORS, "access-control-allow-methods": "GET, POST" } });
    const withCors = (r: Response) => {
      if (api) for (const [k, v] of Object.entries(CORS)) r.headers.set(k, v);
      return r;
    };
    const only = (method: string) =>
      withCors(json(405, { error: "invalid_request", error_description: `use ${method}` }, { allow: method }));
    switch (path) {
      case "/.well-known/oauth-authorization-server":
        return m === "GET" ? withCors(json(200, this.metadata(), { "cache-control": "max-age=300" })) : only("GET");
      case "/jwks":
        return m === "GET" ? withCors(json(200, await this.#keys.jwks(), { "cache-control": "max-age=300" })) : only("GET");
      case "/authorize":
        return m === "GET" ? authorize(ctx, request) : html(405, errorPage("Method not allowed", "use GET"), { allow: "GET" });
      case "/authorize/login":
        return m === "POST" ? login(ctx, request) : html(405, errorPage("Method not allowed", "use POST"), { allow: "POST" });
      case "/authorize/consent":
        return m === "POST" ? consent(ctx, request) : html(405, errorPage("Method not allowed", "use POST"), { allow: "POST" });
      case "/authorize/federated":
        return m === "POST" ? federated(ctx, request) : html(405, errorPage("Method not allowed", "use POST"), { allow: "POST" });
      case "/authorize/callback":
        return m === "GET" ? callback(ctx, request) : html(405, errorPage("Method not allowed", "use GET"), { allow: "GET" });
      case "/token":
        return m === "POST" ? withCors(await token(ctx, request)) : only("POST");
      case "/revoke":
        return m === "POST" ? withCors(await revoke(ctx, request)) : only("POST");
      case "/register":
        return m === "POST" ? withCors(await register(ctx, request)) : only("POST");
      case "/authorize/grants":
        return m === "GET" ? this.#grantsPage(request) : only("GET");
      case "/authorize/grants/revoke":
        return m === "POST" ? this.#revokeFromPage(request) : only("POST");
      case "/audit":
        if (!this.options.auditScope)
          return json(404, { error: "not_found", error_description: "the audit log is not served over HTTP (auditScope)" });
        return m === "GET" ? this.#auditApi(request) : only("GET");
      default:
        return json(404, { error: "not_found", error_description: `no endpoint at ${path}` });
    }
  }

  /** grants lists what a user approved: clients with access to resources, and the scopes. */
  async grants(userId: string): Promise<UserGrant[]> {
    const rows = await this.store.list<{ scopes: string[]; clientId: string; clientName?: string; resource: string; grantedAt: string }>(
      "consent",
      `${encodeURIComponent(userId)} `,
    );
    return rows.map((r) => ({ id: r.id, ...r.value }));
  }

  /** revokeGrant withdraws an approval: the consent is forgotten and every refresh family of that client for that user ends. */
  async revokeGrant(userId: string, grantId: string): Promise<boolean> {
    if (!grantId.startsWith(`${encodeURIComponent(userId)} `)) return false;
    const g = await this.store.get<{ clientId: string; resource: string }>("consent", grantId);
    if (!g) return false;
    await this.store.delete("consent", grantId);
    for (const f of await this.#ctx.tokens.families(userId, g.clientId, g.resource)) await this.#ctx.tokens.revokeFamily(f.id);
    await this.#ctx.audit({ type: "grant_revoked", subject: userId, clientId: g.clientId, resource: g.resource, outcome: "ok" });
    return true;
  }

  async #grantsPage(request: Request): Promise<Response> {
    const signed = await signedInUser(this.#ctx, request);
    if (!signed)
      return html(401, errorPage("Not signed in", "sign in through an application first; then this page lists what you approved"));
    const user = signed.session.user;
    return html(
      200,
      grantsPage({
        user: user.name ?? user.id,
        grants: await Promise.all(
          (await this.grants(user.id)).map(async (g) => ({ ...g, client: await this.#ctx.clients.shown(g.clientId, g.clientName) })),
        ),
        csrf: signed.session.csrf,
        action: `${this.issuer}/authorize/grants/revoke`,
      }),
    );
  }

  async #revokeFromPage(request: Request): Promise<Response> {
    const signed = await signedInUser(this.#ctx, request);
    const origin = request.headers.get("origin");
    if (!signed || (origin !== null && origin !== this.issuer))
      return html(403, errorPage("Refused", "not signed in, or posted from another site"));
    let form: Record<string, string>;
    try {
      form = await readForm(request);
    } catch (err) {
      return html(400, errorPage("Invalid request", (err as Error).message));
    }
    if (!sameSecret(form.csrf ?? "", signed.session.csrf) || cookie(request, "trellis_as_browser") !== signed.session.browser)
      return html(403, errorPage("Refused", "CSRF check failed"));
    await this.revokeGrant(signed.session.user.id, form.grant ?? "");
    return redirect(`${this.issuer}/authorize/grants`);
  }

  /**
   * auditApi answers `GET /audit?type=a,b&subject=&clientId=&since=&until=&limit=` to a bearer of auditScope. The
   * reading itself is recorded ("audit_read"), so who looked at the log is in the log.
   */
  async #auditApi(request: Request): Promise<Response> {
    const scope = this.options.auditScope!;
    const challenge = (status: number, error: string, description: string) =>
      json(
        status,
        { error, error_description: description },
        {
          "www-authenticate": `Bearer error="${error}", error_description="${description}", scope="${scope}"`,
        },
      );
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.headers.get("authorization") ?? "");
    if (!m) return challenge(401, "invalid_token", "send an access token of this server with the audit scope (Authorization: Bearer)");
    let info: Awaited<ReturnType<Tokens["verify"]>>;
    try {
      const aud = decodeAudience(m[1]!).find((a) => this.#resources.has(a));
      if (!aud) throw new Error("the token is not for a resource of this server");
      info = await this.#ctx.tokens.verify(m[1]!, aud);
    } catch (err) {
      return challenge(401, "invalid_token", (err as Error).message.replace(/"/g, "'"));
    }
    if (info.dpopThumbprint) return challenge(401, "invalid_token", "DPoP-bound tokens are not accepted here");
    if (!info.scopes?.includes(scope)) return challenge(403, "insufficient_scope", `reading the audit log needs the ${scope} scope`);
    if (!this.auditSink?.query) return json(501, { error: "unsupported", error_description: "this server's audit sink cannot be queried" });
    const p = new URL(request.url).searchParams;
    const q: AuditQuery = {};
    const type = p.get("type");
    if (type) q.type = type.split(",").filter(Boolean);
    for (const k of ["subject", "clientId", "since", "until"] as const) {
      const v = p.get(k);
      if (v) q[k] = v;
    }
    const limit = p.get("limit");
    if (limit !== null) {
      if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000)
        return json(400, { error: "invalid_request", error_description: "limit must be a whole number from 1 to 10000" });
      q.limit = Number(limit);
    }
    for (const k of ["since", "until"] as const)
      if (q[k] !== undefined && Number.isNaN(Date.parse(q[k]!)))
        return json(400, { error: "invalid_request", error_description: `${k} must be an ISO 8601 time` });
    const events = await this.auditSink.query(q);
    await this.#ctx.audit({ type: "audit_read", subject: info.subject, clientId: info.clientId, outcome: "ok", detail: { query: q } });
    return json(200, { events }, { "cache-control": "no-store" });
  }

  /** audit queries the audit log (when its sink can be queried). */
  async auditLog(q: AuditQuery = {}): Promise<AuditEvent[]> {
    if (!this.auditSink?.query) throw misuse("AuthorizationServer.auditLog: the audit sink cannot be queried", "ERR_INVALID_STATE");
    return this.auditSink.query(q);
  }

  /** exportAudit renders matching audit events as JSON Lines, oldest first. */
  async exportAudit(q: AuditQuery = {}): Promise<string> {
    return toJsonLines((await this.auditLog({ limit: 10_000, ...q })).reverse());
  }

  /** recordRequest is how the MCP side reports a request that reached a handler (see auditRequests). */
  async record(event: Omit<AuditEvent, "at">): Promise<void> {
    await this.#ctx.audit(event);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.store.close?.();
    if (this.auditSink !== (this.store as unknown)) await this.auditSink?.close?.();
  }
}

/** decodeAudience reads a JWT's audience without checking it, to pick the resource to verify it for. */
function decodeAudience(token: string): string[] {
  const aud = decodeJwt(token).aud;
  return aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
}

/**
 * The Streamable HTTP server core (transports.mdx, "Streamable HTTP"): one endpoint, POST / GET / DELETE.
 * It is written against a minimal request shape so that two thin shims serve it: `fetch(Request)` for
 * web-standard runtimes, and the Node adapter (node.ts), which skips building Request objects.
 */
import { ErrorCode, misuse } from "../../protocol/errors.js";
import { isSupportedVersion } from "../../protocol/versions.js";
import { LATEST_PROTOCOL_VERSION, type ProtocolVersion } from "../../protocol/types.js";
import type { RequestId } from "../../protocol/generated/schema-types.js";
import type { McpServer } from "../../server/server.js";
import type { ServerSession } from "../../server/session.js";
import type { EventStore } from "../../stores/event-store.js";
import type { SessionStore } from "../../stores/session-store.js";
import { MemoryEventStore } from "../../stores/memory/event-store.js";
import { principalKey, type AuthInfo } from "../transport.js";
import { accepts, checkHost, checkOrigin, isJsonContentType, LOOPBACK_NAMES } from "./guard.js";
import type { TokenVerifier } from "../../auth/verifier.js";
import { metadataUrl, wellKnownPaths, type ProtectedResourceMetadata } from "../../auth/metadata.js";
import { DpopError, DpopProofVerifier, type DpopOptions } from "../../auth/dpop-verifier.js";
import { HttpSessionTransport, JSON_HEADERS, type HttpReply, type ResponseMode } from "./session-transport.js";

/** HttpRequestLike is the part of an HTTP request the core reads. */
export interface HttpRequestLike {
  method: string;
  /** A header value by lower-case name, or null. */
  header(name: string): string | null;
  /** The body as text; rejects with BodyTooLargeError past `limit` bytes. */
  readBody(limit: number): Promise<string>;
  /** Headers as a web Headers object, made on demand for handlers that want them. */
  headers?(): Headers;
  /** The caller, when an authentication layer in front has verified one (or `auth` below did). */
  authInfo?: AuthInfo;
  /** The request URL (path and query), used to refuse tokens in the query string. */
  url?: string;
  /** The peer's address, for limits kept per client when there is no authenticated principal. */
  remoteAddress?: string;
}

/** HttpAuthOptions make the handler an OAuth 2.1 resource server (authorization.mdx). */
export interface HttpAuthOptions {
  /** Checks bearer tokens (JwtTokenVerifier, IntrospectionTokenVerifier, or your own). */
  verifier: TokenVerifier;
  /** This server's canonical URI, the MCP endpoint URL: tokens must be issued for it. */
  resource: string;
  /** Authorization servers that issue tokens for it, listed in the Protected Resource Metadata. */
  authorizationServers: string[];
  /** Scopes every request needs; announced in the 401 challenge. Default none. */
  requiredScopes?: string[];
  /** scopes_supported in the metadata. Default: requiredScopes. */
  scopesSupported?: string[];
  /** resource_name in the metadata. */
  resourceName?: string;
  /** DPoP (RFC 9449): proofs are always checked for DPoP-bound tokens; this can require DPoP, nonces, algorithms. */
  dpop?: DpopOptions;
}

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** StreamableHttpOptions configure the HTTP transport. Every field is optional. */
export interface StreamableHttpOptions {
  /** No sessions: each POST stands alone, GET and DELETE answer 405. Default false. */
  stateless?: boolean;
  /**
   * How requests are answered: "auto" (default) replies with JSON unless the handler sends something
   * first (progress, logs, a request), then switches to SSE; "sse" always streams; "json" never does
   * (related messages go to the GET stream).
   */
  responseMode?: ResponseMode;
  /** Log for resumable streams. Default: a MemoryEventStore (serveHttp defaults to SQLite). */
  eventStore?: EventStore;
  /**
   * Where sessions are recorded, so that a restarted server accepts their ids again (and their tasks stay
   * reachable). Default: none, sessions end with the process (serveHttp defaults to SQLite).
   */
  sessionStore?: SessionStore;
  /** Host header values served, as hostnames (any port) or host:port. Default: localhost, 127.0.0.1, [::1]. "any" turns the check off. */
  allowedHosts?: readonly string[] | "any";
  /** Origins accepted from browsers, as origins or hostnames. Default: the loopback hostnames. "any" turns the check off. */
  allowedOrigins?: readonly string[] | "any";
  /** Largest POST body in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** The SSE `retry` hint in milliseconds (SEP-1699). Default 1000. */
  retryMs?: number;
  /** Sessions idle this long are closed. Default 30 minutes. */
  sessionIdleTimeoutMs?: number;
  /** The most sessions at once; past it, initialize gets 503. Default 10 000. */
  maxSessions?: number;
  /**
   * The most sessions one client may hold at once: per authenticated principal, else per network address. Past
   * it, initialize gets 429, so that one caller cannot take every session there is. Default 100.
   */
  maxSessionsPerClient?: number;
  /**
   * A session whose client neither sent `notifications/initialized` nor made a request this long after
   * initialize is ended (and was never recorded in the session store). Default 30 000 ms.
   */
  initializeTimeoutMs?: number;
  /** Receives transport errors that have no caller to go to. */
  onerror?: (error: Error) => void;
  /** Require OAuth bearer tokens (and per-tool scopes). Default: no auth. */
  auth?: HttpAuthOptions;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

function errorReply(status: number, code: number, message: string, id: RequestId | null = null, extraHeaders?: Record<string, string>): HttpReply {
  const error = { code, message };
  return { status, headers: { ...JSON_HEADERS, ...extraHeaders }, body: JSON.stringify(id === null ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error }) };
}

interface Live {
  transport: HttpSessionTransport;
  session: ServerSession;
  /** The key the per-client session cap counts under (principal, else address). */
  client?: string;
  /** The client sent notifications/initialized or a request after initialize (or an earlier process recorded it). */
  confirmed: boolean;
  createdAt: number;
  /** When lastSeen was last written to the session store. */
  storedAt: number;
}

/** StreamableHttpHandler serves one McpServer over Streamable HTTP. */
export class StreamableHttpHandler {
  readonly #server: McpServer;
  readonly #opts: Required<Pick<StreamableHttpOptions, "responseMode" | "maxBodyBytes" | "retryMs" | "sessionIdleTimeoutMs" | "maxSessions" | "maxSessionsPerClient" | "initializeTimeoutMs">> & StreamableHttpOptions;
  readonly #sessions = new Map<string, Live>();
  /** Live sessions per client key, for maxSessionsPerClient. */
  readonly #perClient = new Map<string, number>();
  #storeSweptAt = Date.now();
  readonly #eventStore?: EventStore;
  readonly #ownsStore: boolean;
  readonly #sweeper?: ReturnType<typeof setInterval>;
  /** DPoP proof checks, when auth is on (proofs are checked whenever a client uses DPoP). */
  readonly #dpop?: DpopProofVerifier;

  constructor(server: McpServer, options: StreamableHttpOptions = {}) {
    this.#server = server;
    this.#opts = {
      responseMode: "auto",
      maxBodyBytes: DEFAULT_MAX_BODY,
      retryMs: 1000,
      sessionIdleTimeoutMs: 30 * 60_000,
      maxSessions: 10_000,
      maxSessionsPerClient: 100,
      initializeTimeoutMs: 30_000,
      ...options,
    };
    const a = options.auth;
    if (a) {
      if (typeof a.verifier?.verify !== "function") throw misuse("StreamableHttpHandler: auth.verifier must be a TokenVerifier, such as new JwtTokenVerifier({ issuer, audience, jwks })", "ERR_INVALID_ARG_TYPE");
      if (typeof a.resource !== "string" || !/^https?:\/\//.test(a.resource) || !URL.canParse(a.resource)) throw misuse(`StreamableHttpHandler: auth.resource must be this server's canonical URI, the absolute URL of its MCP endpoint (such as "https://mcp.example.com/mcp"); got ${JSON.stringify(a.resource)}`);
      if (!Array.isArray(a.authorizationServers) || a.authorizationServers.length === 0 || a.authorizationServers.some((u) => !URL.canParse(u))) throw misuse("StreamableHttpHandler: auth.authorizationServers must list at least one issuer URL (RFC 9728 requires it)");
      this.#dpop = new DpopProofVerifier(a.dpop);
    }
    this.#ownsStore = !options.eventStore && !options.stateless;
    this.#eventStore = options.stateless ? undefined : (options.eventStore ?? new MemoryEventStore());
    if (!options.stateless) {
      // Often enough that a session never confirmed is gone within initializeTimeoutMs + 15 s.
      this.#sweeper = setInterval(() => this.#sweep(), Math.min(15_000, this.#opts.sessionIdleTimeoutMs, this.#opts.initializeTimeoutMs));
      this.#sweeper.unref?.();
    }
  }

  /** The number of live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * fetch is the web-standard face: (Request) => Promise<Response>. Pass the peer's address as `info` where the
   * runtime knows it, so that limits can be kept per client when there is no authenticated principal.
   */
  readonly fetch = async (request: Request, info?: { remoteAddress?: string }): Promise<Response> => {
    const reply = await this.handle({
      method: request.method,
      url: request.url,
      header: (n) => request.headers.get(n),
      headers: () => request.headers,
      readBody: (limit) => readWebBody(request, limit),
      remoteAddress: info?.remoteAddress,
    });
    if (!reply.sse) return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers });
    const channel = reply.sse;
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        channel.attach({
          write: (chunk) => controller.enqueue(enc.encode(chunk)),
          end: () => {
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          },
        });
      },
      cancel() {
        channel.detach();
      },
    });
    return new Response(stream, { status: reply.status, headers: reply.headers });
  };

  /** handle answers one HTTP request. It never throws for anything the peer sent. */
  async handle(req: HttpRequestLike): Promise<HttpReply> {
    try {
      return await this.#handle(req);
    } catch (err) {
      this.#opts.onerror?.(err as Error);
      return errorReply(500, ErrorCode.InternalError, `internal error: ${(err as Error).message}`);
    }
  }

  async #handle(req: HttpRequestLike): Promise<HttpReply> {
    const hostProblem = checkHost(req.header("host"), this.#opts.allowedHosts ?? LOOPBACK_NAMES);
    if (hostProblem) return errorReply(403, ErrorCode.ConnectionClosed, `forbidden: ${hostProblem}`);
    const originProblem = checkOrigin(req.header("origin"), this.#opts.allowedOrigins ?? LOOPBACK_NAMES);
    if (originProblem) return errorReply(403, ErrorCode.ConnectionClosed, `forbidden: ${originProblem}`);
    if (this.#opts.auth) {
      const denied = await this.#authenticate(req, this.#opts.auth);
      if (denied) return denied;
    }
    switch (req.method) {
      case "POST":
        return this.#post(req);
      case "GET":
        return this.#get(req);
      case "DELETE":
        return this.#delete(req);
      default:
        return errorReply(405, ErrorCode.ConnectionClosed, `method not allowed: ${req.method}; use POST, GET or DELETE`, null, { allow: this.#opts.stateless ? "POST" : "GET, POST, DELETE" });
    }
  }

  /** The Protected Resource Metadata document and the paths it is served at, when auth is on. */
  protectedResourceMetadata(): { paths: string[]; document: ProtectedResourceMetadata } | undefined {
    const a = this.#opts.auth;
    if (!a) return undefined;
    const document: ProtectedResourceMetadata = { resource: a.resource, authorization_servers: a.authorizationServers, bearer_methods_supported: ["header"] };
    const scopes = a.scopesSupported ?? a.requiredScopes;
    if (scopes?.length) document.scopes_supported = scopes;
    if (a.resourceName) document.resource_name = a.resourceName;
    document.dpop_signing_alg_values_supported = this.#dpop!.algorithms;
    if (this.#dpop!.required) document.dpop_bound_access_tokens_required = true;
    return { paths: wellKnownPaths(a.resource), document };
  }

  /**
   * A 400/401/403 with its WWW-Authenticate challenge: Bearer, or DPoP (with the proof algorithms accepted) when
   * the server requires DPoP or the failure is about a DPoP proof.
   */
  #challenge(status: 400 | 401 | 403, a: HttpAuthOptions, params: { error?: string; description?: string; scope?: string[]; dpop?: boolean; nonce?: string }): HttpReply {
    const parts = [`resource_metadata="${metadataUrl(a.resource)}"`];
    const scope = params.scope ?? a.requiredScopes;
    if (scope?.length) parts.push(`scope="${scope.join(" ")}"`);
    if (params.error) parts.push(`error="${params.error}"`);
    if (params.description) parts.push(`error_description="${params.description.replace(/["\\]/g, "'")}"`);
    const dpop = params.dpop || this.#dpop?.required;
    if (dpop) parts.push(`algs="${this.#dpop!.algorithms.join(" ")}"`);
    const message = params.description ?? (status === 401 ? "unauthorized: this server needs an OAuth access token (see WWW-Authenticate)" : "forbidden");
    const headers: Record<string, string> = { "www-authenticate": `${dpop ? "DPoP" : "Bearer"} ${parts.join(", ")}` };
    if (params.nonce) headers["dpop-nonce"] = params.nonce;
    return errorReply(status, ErrorCode.ConnectionClosed, message, null, headers);
  }

  /** Checks the bearer token; on success sets req.authInfo. Nothing of a refused request reaches a handler. */
  async #authenticate(req: HttpRequestLike, a: HttpAuthOptions): Promise<HttpReply | undefined> {
    const q = req.url?.indexOf("?") ?? -1;
    if (q !== -1 && new URLSearchParams(req.url!.slice(q + 1)).has("access_token")) {
      return this.#challenge(400, a, { error: "invalid_request", description: "access tokens must not be sent in the query string; use the Authorization header" });
    }
    const header = req.header("authorization");
    const m = header ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
    if (!m) return this.#challenge(401, a, header ? { error: "invalid_request", description: "the Authorization header must be \"Bearer <token>\" or \"DPoP <token>\"" } : {});
    const scheme = m[1]!.toLowerCase();
    const token = m[2]!;
    let info: AuthInfo;
    try {
      info = await a.verifier.verify(token);
    } catch (err) {
      return this.#challenge(401, a, { error: "invalid_token", description: err instanceof Error ? err.message : "the access token is invalid" });
    }
    const refused = await this.#checkBinding(req, a, scheme, token, info);
    if (refused) return refused;
    // Sessions and tasks belong to the principal: a token that names no one cannot own anything.
    if (!principalKey(info)) return this.#challenge(401, a, { error: "invalid_token", description: "the access token identifies no one (it has neither sub nor client_id)" });
    const missing = (a.requiredScopes ?? []).filter((s) => !info.scopes.includes(s));
    if (missing.length) return this.#challenge(403, a, { error: "insufficient_scope", description: `this server needs the scope(s) ${missing.join(" ")}`, scope: [...new Set([...info.scopes, ...(a.requiredScopes ?? [])])] });
    req.authInfo = info;
    return undefined;
  }

  /**
   * A DPoP-bound token (cnf.jkt) is accepted only as `Authorization: DPoP` with a valid proof by its key, so a
   * stolen token is useless alone; an unbound token is accepted only as Bearer (RFC 9449 section 7).
   */
  async #checkBinding(req: HttpRequestLike, a: HttpAuthOptions, scheme: string, token: string, info: AuthInfo): Promise<HttpReply | undefined> {
    const dpop = this.#dpop!;
    if (scheme === "bearer") {
      if (info.dpopThumbprint) return this.#challenge(401, a, { error: "invalid_token", description: "the access token is bound to a DPoP key (cnf.jkt); present it as \"Authorization: DPoP\" with a DPoP proof", dpop: true });
      if (dpop.required) return this.#challenge(401, a, { error: "invalid_token", description: "this server accepts only DPoP-bound access tokens" });
      return undefined;
    }
    if (!info.dpopThumbprint) return this.#challenge(401, a, { error: "invalid_token", description: "the access token is not bound to a DPoP key; present it as a Bearer token", dpop: true });
    const proof = req.header("dpop");
    if (!proof || proof.includes(",")) return this.#challenge(401, a, { error: "invalid_dpop_proof", description: "a DPoP request needs exactly one DPoP header with a proof", dpop: true });
    const path = (req.url ?? "").split("?")[0]!;
    const resource = new URL(a.resource);
    const host = req.header("host");
    // htu is the URL the client addressed: this server's canonical URI, or the same scheme with the Host it used.
    const urls = [`${resource.origin}${resource.pathname}`, ...(host && path.startsWith("/") ? [`${resource.protocol}//${host}${path}`] : [])];
    try {
      await dpop.verify(proof, { method: req.method, urls }, token, info.dpopThumbprint);
    } catch (err) {
      if (!(err instanceof DpopError)) throw err;
      return this.#challenge(401, a, { error: err.error, description: err.message, dpop: true, nonce: err.nonce });
    }
    return undefined;
  }

  /** Checks MCP-Protocol-Version (transports.mdx, "Protocol Version Header"). */
  #versionProblem(req: HttpRequestLike): HttpReply | undefined {
    const v = req.header("mcp-protocol-version");
    if (v !== null && !isSupportedVersion(v)) return errorReply(400, ErrorCode.ConnectionClosed, `bad request: unsupported MCP-Protocol-Version ${JSON.stringify(v)}; this server speaks 2025-11-25, 2025-06-18 and 2025-03-26`);
    return undefined;
  }

  async #lookup(req: HttpRequestLike): Promise<Live | HttpReply> {
    const id = req.header("mcp-session-id");
    if (!id) return errorReply(400, ErrorCode.ConnectionClosed, "bad request: missing Mcp-Session-Id header; send initialize first to start a session");
    const live = this.#sessions.get(id) ?? (await this.#rehydrate(id, req));
    if (!live) return errorReply(404, ErrorCode.ConnectionClosed, "session not found; it ended or expired: send initialize to start a new one");
    const owner = req.authInfo ? principalKey(req.authInfo) : undefined;
    // A session is bound to the principal that created it: another caller gets "not found", not a hint.
    if (live.transport.owner !== owner) return errorReply(404, ErrorCode.ConnectionClosed, "session not found; it ended or expired: send initialize to start a new one");
    const now = Date.now();
    live.transport.lastSeen = now;
    // The store hears of use now and then, not on every request: enough for the idle timeout to hold across restarts.
    if (live.confirmed && now - live.storedAt > this.#touchEveryMs) {
      live.storedAt = now;
      this.#storeOp(() => this.#opts.sessionStore?.touch(id, now));
    }
    return live;
  }

  /**
   * How often use of a session is written to the store. A recorded lastSeenAt can lag the truth by this much,
   * so expiry from the store allows the same slack.
   */
  get #touchEveryMs(): number {
    return Math.min(60_000, this.#opts.sessionIdleTimeoutMs / 4);
  }

  /** Runs a session-store write whose failure has no caller to report to. */
  #storeOp(op: () => void | Promise<unknown> | undefined): void {
    try {
      const r = op();
      if (r instanceof Promise) r.catch((e: Error) => this.#opts.onerror?.(e));
    } catch (e) {
      this.#opts.onerror?.(e as Error);
    }
  }

  /** Registers a live session under its id and its client's count. */
  #register(sessionId: string, live: Live): void {
    this.#sessions.set(sessionId, live);
    if (live.client) this.#perClient.set(live.client, (this.#perClient.get(live.client) ?? 0) + 1);
    live.session.onclose = chain(live.session.onclose, () => this.#forget(sessionId, live));
  }

  /** The key a request's sessions count under: its principal, else its address. */
  #clientKey(req: HttpRequestLike): string | undefined {
    const principal = req.authInfo && principalKey(req.authInfo);
    if (principal) return `principal:${principal}`;
    return req.remoteAddress ? `address:${req.remoteAddress}` : undefined;
  }

  /** The client confirmed the session (notifications/initialized, or a request): from now on it is recorded. */
  #confirm(live: Live): void {
    if (live.confirmed) return;
    live.confirmed = true;
    const { session, transport } = live;
    const now = Date.now();
    live.storedAt = now;
    this.#storeOp(() =>
      this.#opts.sessionStore?.save({
        sessionId: transport.sessionId!,
        owner: transport.owner,
        protocolVersion: session.protocolVersion,
        clientCapabilities: session.clientCapabilities as Record<string, unknown>,
        clientInfo: session.clientInfo as Record<string, unknown> | undefined,
        createdAt: live.createdAt,
        lastSeenAt: now,
      }),
    );
  }

  /** Brings back a session recorded by an earlier process (or another one sharing the store). */
  async #rehydrate(sessionId: string, req: HttpRequestLike): Promise<Live | undefined> {
    const store = this.#opts.sessionStore;
    if (!store || this.#sessions.size >= this.#opts.maxSessions) return undefined;
    const rec = await store.load(sessionId);
    if (!rec || !isSupportedVersion(rec.protocolVersion)) return undefined;
    const existing = this.#sessions.get(sessionId);
    if (existing) return existing;
    // Idle past the timeout while no process held it (or the process died): expired, as if it had been swept.
    if (Date.now() - (rec.lastSeenAt ?? rec.createdAt) > this.#opts.sessionIdleTimeoutMs + this.#touchEveryMs) {
      await this.#dropRecorded(sessionId);
      return undefined;
    }
    const version = rec.protocolVersion;
    const transport = this.#newTransport(sessionId, () => version);
    transport.owner = rec.owner;
    const session = this.#server.connect(transport, { preinitialized: { protocolVersion: version, clientCapabilities: rec.clientCapabilities } });
    if (rec.clientInfo) session.clientInfo = rec.clientInfo as ServerSession["clientInfo"];
    const live: Live = { transport, session, client: this.#clientKey(req), confirmed: true, createdAt: rec.createdAt, storedAt: 0 };
    this.#register(sessionId, live);
    return live;
  }

  async #post(req: HttpRequestLike): Promise<HttpReply> {
    const accept = req.header("accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      return errorReply(406, ErrorCode.ConnectionClosed, "not acceptable: the Accept header must list both application/json and text/event-stream");
    }
    if (!isJsonContentType(req.header("content-type"))) return errorReply(415, ErrorCode.ConnectionClosed, "unsupported media type: Content-Type must be application/json");
    const length = Number(req.header("content-length") ?? 0);
    if (length > this.#opts.maxBodyBytes) return errorReply(413, ErrorCode.InvalidRequest, `payload too large: the body must be at most ${this.#opts.maxBodyBytes} bytes`);
    let text: string;
    try {
      text = await req.readBody(this.#opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errorReply(413, ErrorCode.InvalidRequest, `payload too large: the body must be at most ${this.#opts.maxBodyBytes} bytes`);
      return errorReply(400, ErrorCode.ParseError, `bad request: could not read the body (${(err as Error).message})`);
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (err) {
      return errorReply(400, ErrorCode.ParseError, `parse error: ${(err as Error).message}`);
    }
    if (Array.isArray(message)) return errorReply(400, ErrorCode.InvalidRequest, "invalid request: JSON-RPC batches are not supported since 2025-06-18; send one message per POST");
    if (typeof message !== "object" || message === null) return errorReply(400, ErrorCode.InvalidRequest, "invalid request: the body must be a JSON-RPC message object");
    const m = message as Record<string, unknown>;
    const id = m.id;
    const validId = typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
    if (m.jsonrpc !== "2.0") return errorReply(400, ErrorCode.InvalidRequest, 'invalid request: "jsonrpc" must be "2.0"', validId ? (id as RequestId) : null);
    const isRequest = typeof m.method === "string" && "id" in m;
    const isNotification = typeof m.method === "string" && !("id" in m);
    const isResponse = !("method" in m) && "id" in m && ("result" in m || "error" in m);
    if (!isRequest && !isNotification && !isResponse) return errorReply(400, ErrorCode.InvalidRequest, 'invalid request: a message needs a string "method", or "id" with "result" or "error"', validId ? (id as RequestId) : null);
    if (isRequest && !validId) return errorReply(400, ErrorCode.InvalidRequest, 'invalid request: "id" must be a string or an integer');
    if (isRequest && this.#opts.auth && req.authInfo) {
      // Per-tool (resource, prompt) scopes are checked before dispatch, so clients can step up on a 403.
      const need = await this.#server.scopesFor(m.method as string, (m.params ?? {}) as Record<string, unknown>, req.authInfo);
      const granted = req.authInfo.scopes;
      const missing = need.filter((s) => !granted.includes(s));
      if (missing.length) {
        const item = itemName(m.method as string, (m.params ?? {}) as Record<string, unknown>);
        return this.#challenge(403, this.#opts.auth, { error: "insufficient_scope", description: `${item} needs the scope(s) ${missing.join(" ")}`, scope: [...new Set([...granted, ...need])] });
      }
    }

    if (m.method === "initialize" && isRequest) {
      if (this.#opts.stateless) return this.#stateless(req, m, id as RequestId);
      if (req.header("mcp-session-id")) {
        const found = await this.#lookup(req);
        if ("status" in found) return found;
        return this.#dispatch(found, req, m, id as RequestId);
      }
      return this.#initialize(req, m, id as RequestId);
    }
    const vp = this.#versionProblem(req);
    if (vp) return vp;
    if (this.#opts.stateless) {
      if (!isRequest) return { status: 202, headers: {} };
      return this.#stateless(req, m, id as RequestId);
    }
    const live = await this.#lookup(req);
    if ("status" in live) return live;
    if (!isRequest) {
      live.transport.deliver(m, { authInfo: req.authInfo, remoteAddress: req.remoteAddress });
      if (m.method === "notifications/initialized" && live.session.initialized) this.#confirm(live);
      return { status: 202, headers: {} };
    }
    // A client that goes on using the session is not a stray initialize, even if it forgot the notification.
    this.#confirm(live);
    return this.#dispatch(live, req, m, id as RequestId);
  }

  #dispatch(live: Live, req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    const t = live.transport;
    if (t.hasRequest(id)) return Promise.resolve(errorReply(409, ErrorCode.InvalidRequest, `invalid request: id ${JSON.stringify(id)} is already in use by a request in flight`, id));
    const { reply, closeStream } = t.openRequest(id);
    t.deliver(m, { authInfo: req.authInfo, remoteAddress: req.remoteAddress, closeStream, headers: req.headers?.() });
    return reply;
  }

  #newTransport(sessionId: string | undefined, version: () => ProtocolVersion): HttpSessionTransport {
    return new HttpSessionTransport(sessionId, {
      responseMode: this.#opts.responseMode,
      eventStore: this.#eventStore,
      retryMs: this.#opts.retryMs,
      primeStreams: () => version() === "2025-11-25",
      onerror: this.#opts.onerror,
    });
  }

  async #initialize(req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    if (this.#sessions.size >= this.#opts.maxSessions) {
      this.#sweep();
      if (this.#sessions.size >= this.#opts.maxSessions) return errorReply(503, ErrorCode.ConnectionClosed, "service unavailable: too many sessions; retry later", id, { "retry-after": "5" });
    }
    const client = this.#clientKey(req);
    const held = client ? (this.#perClient.get(client) ?? 0) : 0;
    if (held >= this.#opts.maxSessionsPerClient) {
      return errorReply(429, ErrorCode.ConnectionClosed, `too many sessions: this client already holds ${held} (the most allowed); end unused ones with DELETE or retry after some expire`, id, { "retry-after": "30" });
    }
    // 122 random bits, hex: globally unique, unguessable and visible ASCII (transports.mdx, "Session Management").
    const sessionId = crypto.randomUUID().replace(/-/g, "");
    let session: ServerSession | undefined;
    const transport = this.#newTransport(sessionId, () => session?.protocolVersion ?? LATEST_PROTOCOL_VERSION);
    transport.owner = req.authInfo ? principalKey(req.authInfo) : undefined;
    session = this.#server.connect(transport);
    const now = Date.now();
    const live: Live = { transport, session, client, confirmed: false, createdAt: now, storedAt: now };
    const reply = await this.#dispatch(live, req, m, id);
    if (session.initialized) {
      this.#register(sessionId, live);
      reply.headers = { ...reply.headers, "mcp-session-id": sessionId };
    } else {
      await session.close();
    }
    return reply;
  }

  /** Stateless mode: a throwaway session per POST, initialized at the revision the header names. */
  async #stateless(req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    const header = req.header("mcp-protocol-version");
    const version: ProtocolVersion = isSupportedVersion(header) ? header : "2025-03-26";
    const transport = this.#newTransport(undefined, () => version);
    const session = this.#server.connect(transport, m.method === "initialize" ? {} : { preinitialized: { protocolVersion: version } });
    const reply = await this.#dispatch({ transport, session, confirmed: true, createdAt: 0, storedAt: 0 }, req, m, id);
    if (reply.sse && !reply.sse.ended) {
      reply.sse.onend = () => void session.close();
    } else {
      void session.close();
    }
    return reply;
  }

  async #get(req: HttpRequestLike): Promise<HttpReply> {
    if (this.#opts.stateless) return errorReply(405, ErrorCode.ConnectionClosed, "method not allowed: this server is stateless and offers no GET stream", null, { allow: "POST" });
    if (!accepts(req.header("accept"), "text/event-stream")) return errorReply(406, ErrorCode.ConnectionClosed, "not acceptable: the Accept header must list text/event-stream");
    const vp = this.#versionProblem(req);
    if (vp) return vp;
    const live = await this.#lookup(req);
    if ("status" in live) return live;
    const lastEventId = req.header("last-event-id");
    if (lastEventId) {
      const reply = await live.transport.resume(lastEventId);
      return reply ?? errorReply(404, ErrorCode.ConnectionClosed, `not found: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream of this session`);
    }
    return live.transport.openStandalone() ?? errorReply(409, ErrorCode.ConnectionClosed, "conflict: this session already has a GET stream open; close it first or resume with Last-Event-ID");
  }

  async #delete(req: HttpRequestLike): Promise<HttpReply> {
    if (this.#opts.stateless) return errorReply(405, ErrorCode.ConnectionClosed, "method not allowed: this server is stateless and has no sessions to end", null, { allow: "POST" });
    const live = await this.#lookup(req);
    if ("status" in live) return live;
    await this.#end(live);
    return { status: 200, headers: {} };
  }

  /** A session left this process (ended, expired, or the process is shutting down): drop its live state. */
  #forget(sessionId: string, live: Live): void {
    if (this.#sessions.get(sessionId) !== live) return;
    this.#sessions.delete(sessionId);
    if (live.client) {
      const n = (this.#perClient.get(live.client) ?? 1) - 1;
      if (n > 0) this.#perClient.set(live.client, n);
      else this.#perClient.delete(live.client);
    }
  }

  /** A session is over for good (DELETE, or idle expiry): also forget what the stores keep of it. */
  async #end(live: Live): Promise<void> {
    await live.session.close();
    await this.#dropRecorded(live.transport.sessionId!);
  }

  async #dropRecorded(sessionId: string): Promise<void> {
    try {
      await this.#eventStore?.deleteSession(sessionId);
      await this.#opts.sessionStore?.delete(sessionId);
    } catch (e) {
      this.#opts.onerror?.(e as Error);
    }
  }

  /**
   * Ends idle sessions, and sessions whose client never confirmed them (no notifications/initialized within
   * initializeTimeoutMs); about once a minute, also deletes recorded sessions idle past the timeout that no
   * process holds, so that the store does not grow across restarts.
   */
  #sweep(now = Date.now()): void {
    for (const live of this.#sessions.values()) {
      const idle = now - live.transport.lastSeen > this.#opts.sessionIdleTimeoutMs;
      const unconfirmed = !live.confirmed && now - live.createdAt > this.#opts.initializeTimeoutMs;
      if (idle || unconfirmed) void this.#end(live);
    }
    const store = this.#opts.sessionStore;
    if (store && now - this.#storeSweptAt >= Math.min(60_000, this.#opts.sessionIdleTimeoutMs)) {
      this.#storeSweptAt = now;
      void (async () => {
        try {
          for (const id of await store.sweep(now - this.#opts.sessionIdleTimeoutMs - this.#touchEveryMs)) await this.#eventStore?.deleteSession(id);
        } catch (e) {
          this.#opts.onerror?.(e as Error);
        }
      })();
    }
  }

  /**
   * close ends every session in this process and stops timers; a store the handler created itself is closed
   * too. Recorded sessions stay recorded: a server started again on the same stores takes them back.
   */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.values()].map((l) => l.session.close()));
    if (this.#ownsStore) await this.#eventStore?.close?.();
  }
}

/** itemName names what a scoped request reaches, for the 403 description: "admin", "test://x", "task 1234". */
function itemName(method: string, params: Record<string, unknown>): string {
  const ref = params.ref as { name?: unknown; uri?: unknown } | undefined;
  const name = params.name ?? params.uri ?? ref?.name ?? ref?.uri;
  if (name !== undefined) return JSON.stringify(String(name));
  if (typeof params.taskId === "string") return `task ${JSON.stringify(params.taskId)}`;
  return JSON.stringify(method);
}

function chain(a: (() => void) | undefined, b: () => void): () => void {
  return () => {
    a?.();
    b();
  };
}

async function readWebBody(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

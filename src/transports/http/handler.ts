/**
 * The Streamable HTTP server core (transports.mdx, "Streamable HTTP"): one endpoint, POST / GET / DELETE. This
 * file routes requests; sessions.ts owns session lifecycle, session-transport.ts the streams of one session, and
 * an injected HttpAuthenticator (trellis-mcp/auth's bearerAuth) authentication. It is written against a minimal
 * request shape so that two thin shims serve it: `fetch(Request)` for web-standard runtimes, and the Node adapter
 * (node.ts), which skips building Request objects.
 */
import { ErrorCode, misuse, TrellisError } from "../../protocol/errors.js";
import { classify } from "../../protocol/message.js";
import { isSupportedVersion } from "../../protocol/versions.js";
import {
  claimsModern,
  decodeHeaderValue,
  isModernVersion,
  META,
  ModernErrorCode,
  readEnvelope,
  REMOVED_IN_MODERN,
  requestName,
} from "../../protocol/modern.js";
import { ProtocolError } from "../../protocol/errors.js";
import { paramMarks, paramMismatch } from "../../protocol/param-headers.js";
import { SUPPORTED_PROTOCOL_VERSIONS, type ProtocolVersion } from "../../protocol/types.js";
import type { RequestId } from "../../protocol/generated/schema-types.js";
import type { McpServer } from "../../server/server.js";
import type { EventStore } from "../../stores/event-store.js";
import type { Cluster, ClusterMessage } from "../../stores/cluster.js";
import { MemoryEventStore } from "../../stores/memory/event-store.js";
import { accepts, checkHost, checkOrigin, isJsonContentType, LOOPBACK_NAMES } from "./guard.js";
import { isAuthenticator } from "./authenticator.js";
import { BodyTooLargeError, errorReply, readWebBody, type HttpReply } from "./reply.js";
import type { HttpRequestLike } from "./request.js";
import type { StreamableHttpOptions } from "./options.js";
import { HttpSessions, type Live } from "./sessions.js";

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
const ACCEPTED = 202;

type Config = Required<
  Pick<
    StreamableHttpOptions,
    "responseMode" | "maxBodyBytes" | "retryMs" | "sessionIdleTimeoutMs" | "maxSessions" | "maxSessionsPerClient" | "initializeTimeoutMs"
  >
> &
  StreamableHttpOptions;

/** StreamableHttpHandler serves one McpServer over Streamable HTTP. */
export class StreamableHttpHandler {
  readonly #server: McpServer;
  readonly #opts: Config;
  readonly #sessions: HttpSessions;
  readonly #eventStore?: EventStore;
  readonly #ownsStore: boolean;
  readonly #sweeper?: ReturnType<typeof setInterval>;
  #cluster?: Cluster;
  #joined?: Promise<void>;
  /** Server-wide notices being published to the cluster. */
  readonly #notices = new Set<Promise<unknown>>();

  constructor(server: McpServer, options: StreamableHttpOptions = {}) {
    if (options.auth !== undefined && !isAuthenticator(options.auth)) {
      throw misuse(
        'StreamableHttpHandler: auth must be an HttpAuthenticator; wrap the options: auth: bearerAuth({ verifier, resource, authorizationServers }) from "trellis-mcp/auth"',
        "ERR_INVALID_ARG_TYPE",
      );
    }
    if (options.cluster && !options.stateless && !options.sessionStore)
      throw misuse(
        "StreamableHttpHandler: a cluster needs a sessionStore every node shares (RedisSessionStore from trellis-mcp/stores/redis), or nodes cannot find each other's sessions",
      );
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
    // In a cluster, streams are resumed from its shared log: an event store would only be written to by nobody.
    const needsStore = !options.stateless && !options.cluster;
    this.#ownsStore = !options.eventStore && needsStore;
    this.#eventStore = options.stateless ? undefined : (options.eventStore ?? (needsStore ? new MemoryEventStore() : undefined));
    this.#sessions = new HttpSessions(server, { ...this.#opts, eventStore: this.#eventStore });
    const cluster = options.stateless ? undefined : options.cluster;
    if (cluster) {
      this.#cluster = cluster;
      this.#joined = cluster.join((m) => this.#onClusterMessage(m));
      this.#joined.catch((e: Error) => this.#opts.onerror?.(e));
      // Server-wide notifications go through the cluster, so that sessions other nodes hold hear them once.
      server.relay = (notice) => {
        const sent = cluster.broadcast({ type: "notice", notice, id: crypto.randomUUID() }).catch((e: Error) => this.#opts.onerror?.(e));
        this.#notices.add(sent);
        void sent.finally(() => this.#notices.delete(sent));
      };
    }
    if (!options.stateless) {
      // Often enough that a session never confirmed is gone within initializeTimeoutMs + 15 s.
      this.#sweeper = setInterval(
        () => this.#sessions.sweep(),
        Math.min(15_000, this.#opts.sessionIdleTimeoutMs, this.#opts.initializeTimeoutMs),
      );
      this.#sweeper.unref?.();
    }
  }

  /** ready resolves once the handler has joined its cluster (at once without one); it rejects if joining failed. */
  ready(): Promise<void> {
    return this.#joined ?? Promise.resolve();
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
      signal: request.signal,
    });
    if (!reply.sse) return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers });
    const channel = reply.sse;
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        channel.attach({
          write: (chunk: string) => controller.enqueue(enc.encode(chunk)),
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
    // A node that cannot reach the shared state would serve a partial truth: refuse at once, and let the client retry.
    if (this.#cluster && !this.#cluster.available) return unavailable();
    try {
      return await this.#handle(req);
    } catch (err) {
      if ((err instanceof TrellisError && err.code === "STORE_UNAVAILABLE") || (this.#cluster && !this.#cluster.available))
        return unavailable();
      this.#opts.onerror?.(err as Error);
      return errorReply(500, ErrorCode.InternalError, `internal error: ${(err as Error).message}`);
    }
  }

  /** Messages from the other nodes of the cluster. */
  #onClusterMessage(m: ClusterMessage): void {
    if (m.type === "notice") this.#server.notifySessions(m.notice as Parameters<McpServer["notifySessions"]>[0], `notice:${String(m.id)}`);
    else this.#sessions.onClusterMessage(m);
  }

  /**
   * In a cluster, a client's answer to a request another node sent goes to that node (the request id names it),
   * and a notification (a cancellation, say) to every node, since the request it concerns may run anywhere.
   */
  #forward(live: Live, m: Record<string, unknown>, kind: string): boolean {
    const cluster = this.#cluster;
    if (!cluster) return false;
    const sessionId = live.transport.sessionId!;
    const report = (e: Error) => this.#opts.onerror?.(e);
    if (kind === "response") {
      const id = m.id;
      const dot = typeof id === "string" ? id.indexOf(".") : -1;
      const node = dot > 0 ? (id as string).slice(0, dot) : undefined;
      if (!node || node === cluster.nodeId) return false;
      cluster.send(node, { type: "deliver", sessionId, message: m, from: cluster.nodeId }).catch(report);
      return true;
    }
    if (m.method !== "notifications/initialized")
      cluster.broadcast({ type: "deliver", sessionId, message: m, from: cluster.nodeId }).catch(report);
    return false;
  }

  /** The public documents the authenticator serves (RFC 9728 metadata) and their paths, if any. */
  wellKnown(): { paths: string[]; document: Record<string, unknown> } | undefined {
    return this.#opts.auth?.wellKnown?.();
  }

  async #handle(req: HttpRequestLike): Promise<HttpReply> {
    const hostProblem = checkHost(req.header("host"), this.#opts.allowedHosts ?? LOOPBACK_NAMES);
    if (hostProblem) return errorReply(403, ErrorCode.Forbidden, `forbidden: ${hostProblem}`);
    const originProblem = checkOrigin(req.header("origin"), this.#opts.allowedOrigins ?? LOOPBACK_NAMES);
    if (originProblem) return errorReply(403, ErrorCode.Forbidden, `forbidden: ${originProblem}`);
    if (this.#opts.auth) {
      const caller = await this.#opts.auth.authenticate(req);
      if ("status" in caller) return caller;
      req.authInfo = caller;
    }
    switch (req.method) {
      case "POST":
        return this.#post(req);
      case "GET":
        return this.#get(req);
      case "DELETE":
        return this.#delete(req);
      default:
        return errorReply(405, ErrorCode.InvalidRequest, `method not allowed: ${req.method}; use POST, GET or DELETE`, null, {
          allow: this.#opts.stateless ? "POST" : "GET, POST, DELETE",
        });
    }
  }

  /** Checks MCP-Protocol-Version (transports.mdx, "Protocol Version Header"). */
  #versionProblem(req: HttpRequestLike): HttpReply | undefined {
    const v = req.header("mcp-protocol-version");
    if (v !== null && !isSupportedVersion(v))
      return errorReply(
        400,
        ErrorCode.InvalidRequest,
        `bad request: unsupported MCP-Protocol-Version ${JSON.stringify(v)}; this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`,
      );
    return undefined;
  }

  /** Reads and parses a POST body: the message, or the reply refusing it (406, 415, 413, 400). */
  async #readMessage(req: HttpRequestLike): Promise<{ message: unknown } | HttpReply> {
    const accept = req.header("accept");
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      return errorReply(
        406,
        ErrorCode.InvalidRequest,
        "not acceptable: the Accept header must list both application/json and text/event-stream",
      );
    }
    if (!isJsonContentType(req.header("content-type")))
      return errorReply(415, ErrorCode.InvalidRequest, "unsupported media type: Content-Type must be application/json");
    const tooLarge = () =>
      errorReply(413, ErrorCode.InvalidRequest, `payload too large: the body must be at most ${this.#opts.maxBodyBytes} bytes`);
    if (Number(req.header("content-length") ?? 0) > this.#opts.maxBodyBytes) return tooLarge();
    let text: string;
    try {
      text = await req.readBody(this.#opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return tooLarge();
      return errorReply(400, ErrorCode.ParseError, `bad request: could not read the body (${(err as Error).message})`);
    }
    try {
      return { message: JSON.parse(text) };
    } catch (err) {
      return errorReply(400, ErrorCode.ParseError, `parse error: ${(err as Error).message}`);
    }
  }

  async #post(req: HttpRequestLike): Promise<HttpReply> {
    const read = await this.#readMessage(req);
    if ("status" in read) return read;
    const c = classify(read.message);
    // A request whose params are not an object is a JSON-RPC error like any other bad params: 200, not 400.
    if (c.kind === "invalid")
      return errorReply(c.code === ErrorCode.InvalidParams && c.id !== undefined ? 200 : 400, c.code, c.message, c.id);
    if (c.kind === "orphan-error")
      return errorReply(400, ErrorCode.InvalidRequest, 'invalid request: a response needs the "id" of the request it answers');
    if (c.kind === "request" && req.authInfo && this.#opts.auth?.authorize) {
      // Per-item scopes are checked before dispatch, so that clients can step up on the 403.
      const refused = await this.#opts.auth.authorize(req.authInfo, c.method, c.params, (m, p, a) => this.#server.scopesFor(m, p, a));
      if (refused) return refused;
    }
    const m = read.message as Record<string, unknown>;
    // 2026-07-28: a request that names the revision in its _meta or its header stands alone, whatever session id it carries.
    if (c.kind === "request" && (claimsModern(c.params) || isModernVersion(req.header("mcp-protocol-version"))))
      return this.#modern(req, m, c.id, c.method, c.params);
    if (c.kind !== "request" && c.kind !== "response" && claimsModern((m as { params?: unknown }).params))
      return { status: ACCEPTED, headers: {} };
    if (c.kind === "request" && c.method === "initialize") {
      if (this.#opts.stateless) return this.#stateless(req, m, c.id);
      if (req.header("mcp-session-id")) {
        const found = await this.#sessions.find(req);
        return "status" in found ? found : this.#dispatch(found, req, m, c.id);
      }
      return this.#initialize(req, m, c.id);
    }
    const vp = this.#versionProblem(req);
    if (vp) return vp;
    if (this.#opts.stateless) return c.kind === "request" ? this.#stateless(req, m, c.id) : { status: ACCEPTED, headers: {} };
    const live = await this.#sessions.find(req);
    if ("status" in live) return live;
    if (c.kind !== "request") {
      if (this.#forward(live, m, c.kind)) return { status: ACCEPTED, headers: {} };
      live.transport.deliver(m, { authInfo: req.authInfo, remoteAddress: req.remoteAddress });
      if (c.kind === "notification" && c.method === "notifications/initialized" && live.session.initialized) this.#sessions.confirm(live);
      return { status: ACCEPTED, headers: {} };
    }
    // A client that goes on using the session is not a stray initialize, even if it forgot the notification.
    this.#sessions.confirm(live);
    return this.#dispatch(live, req, m, c.id);
  }

  #dispatch(live: Pick<Live, "transport">, req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    const t = live.transport;
    // The reply to a POST is routed by request id: a second request with the same id in flight cannot be routed.
    if (t.hasRequest(id))
      return Promise.resolve(
        errorReply(409, ErrorCode.InvalidRequest, `invalid request: id ${JSON.stringify(id)} is already in use by a request in flight`, id),
      );
    const { reply, closeStream } = t.openRequest(id);
    t.deliver(m, { authInfo: req.authInfo, remoteAddress: req.remoteAddress, closeStream, headers: req.headers?.() });
    if (!this.#cluster) return reply;
    // What the request sent to other streams (a notice, a log line) reaches the cluster before its reply reaches the
    // client: a client that acts on the reply never overtakes it, whichever node it goes to next.
    return reply.then(async (r) => {
      await Promise.all([t.flushShared(), ...this.#notices]);
      return r;
    });
  }

  async #initialize(req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    const live = this.#sessions.open(req, id);
    if ("status" in live) return live;
    const reply = await this.#dispatch(live, req, m, id);
    if (!live.session.initialized) {
      await live.session.close();
      return reply;
    }
    try {
      await this.#sessions.register(live);
    } catch (err) {
      await live.session.close();
      throw err;
    }
    reply.headers = { ...reply.headers, "mcp-session-id": live.transport.sessionId! };
    return reply;
  }

  /**
   * One 2026-07-28 request (basic/transports, "Streamable HTTP"): checked in the order the revision gives — its
   * _meta complete, the MCP-Protocol-Version header equal to it, a revision this server speaks, Mcp-Method and
   * Mcp-Name equal to the body, a method the revision has — then served by a session of its own that lives as long
   * as the request. Errors name the request's id; the HTTP status says the same (400, 404 for an unknown method).
   */
  async #modern(
    req: HttpRequestLike,
    m: Record<string, unknown>,
    id: RequestId,
    method: string,
    params: Record<string, unknown>,
  ): Promise<HttpReply> {
    const fail = (status: number, e: ProtocolError) => errorReply(status, e.code, e.message, id, undefined, e.data);
    const mismatch = (message: string) => fail(400, new ProtocolError(ModernErrorCode.HeaderMismatch, `header mismatch: ${message}`));
    const header = req.header("mcp-protocol-version");
    if (header === null) return mismatch("a 2026-07-28 request needs the MCP-Protocol-Version header, equal to its _meta protocol version");
    let envelope: ReturnType<typeof readEnvelope> | undefined;
    let unsupported: ProtocolError | undefined;
    try {
      envelope = readEnvelope(params);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      if (err.code !== ModernErrorCode.UnsupportedProtocolVersion) return fail(400, err);
      unsupported = err;
    }
    const claimed = (params._meta as Record<string, unknown>)[META.protocolVersion];
    if (header.trim() !== claimed)
      return mismatch(`MCP-Protocol-Version is ${JSON.stringify(header)} but _meta says ${JSON.stringify(claimed)}`);
    if (unsupported || !envelope) return fail(400, unsupported!);
    const sentMethod = decodeHeaderValue(req.header("mcp-method"));
    if (sentMethod === undefined) return mismatch('the Mcp-Method header is required and must equal the body\'s "method"');
    if (sentMethod !== method)
      return mismatch(`Mcp-Method is ${JSON.stringify(sentMethod)} but the body's method is ${JSON.stringify(method)}`);
    const named = requestName(method, params);
    if (named !== undefined) {
      const sentName = decodeHeaderValue(req.header("mcp-name"));
      if (sentName === undefined) return mismatch(`the Mcp-Name header is required for ${method} and must equal ${JSON.stringify(named)}`);
      if (sentName !== named) return mismatch(`Mcp-Name is ${JSON.stringify(sentName)} but the body names ${JSON.stringify(named)}`);
    }
    // x-mcp-header: the Mcp-Param-* headers must carry what the arguments say (SEP-2243).
    const tool = method === "tools/call" && named !== undefined ? this.#server.toolDefinition(named) : undefined;
    const marks = tool ? paramMarks(tool) : undefined;
    if (Array.isArray(marks) && marks.length) {
      const wrong = paramMismatch(marks, params.arguments as Record<string, unknown> | undefined, (n) => req.header(n));
      if (wrong) return mismatch(wrong);
    }
    if (REMOVED_IN_MODERN.has(method))
      return fail(404, new ProtocolError(ErrorCode.MethodNotFound, `method not found: "${method}" does not exist in 2026-07-28`));
    const transport = this.#sessions.modernTransport(method === "subscriptions/listen");
    const session = this.#server.connect(transport, { modern: envelope });
    // The client going away cancels the request (there is no session to send a cancellation on).
    const cancel = () => void session.close();
    req.signal?.addEventListener("abort", cancel, { once: true });
    if (req.signal?.aborted) cancel();
    const reply = await this.#dispatch({ transport }, req, m, id);
    if (reply.sse && !reply.sse.ended) reply.sse.onend = () => void session.close();
    else void session.close();
    // Only an error reply has its status changed; a result's body is not parsed again to find out.
    if (!reply.sse && reply.body?.includes('"error":{') && reply.status === 200) {
      const code = (JSON.parse(reply.body) as { error?: { code?: number } }).error?.code;
      if (code === ErrorCode.MethodNotFound) reply.status = 404;
      else if (code === ModernErrorCode.MissingRequiredClientCapability) reply.status = 400;
    }
    return reply;
  }

  /** Stateless mode: a throwaway session per POST, initialized at the revision the header names. */
  async #stateless(req: HttpRequestLike, m: Record<string, unknown>, id: RequestId): Promise<HttpReply> {
    const header = req.header("mcp-protocol-version");
    const version: ProtocolVersion = isSupportedVersion(header) ? header : "2025-03-26";
    const transport = this.#sessions.newTransport(undefined, () => version);
    const session = this.#server.connect(transport, m.method === "initialize" ? {} : { preinitialized: { protocolVersion: version } });
    const reply = await this.#dispatch({ transport }, req, m, id);
    if (reply.sse && !reply.sse.ended) reply.sse.onend = () => void session.close();
    else void session.close();
    return reply;
  }

  async #get(req: HttpRequestLike): Promise<HttpReply> {
    if (this.#opts.stateless)
      return errorReply(405, ErrorCode.InvalidRequest, "method not allowed: this server is stateless and offers no GET stream", null, {
        allow: "POST",
      });
    if (!accepts(req.header("accept"), "text/event-stream"))
      return errorReply(406, ErrorCode.InvalidRequest, "not acceptable: the Accept header must list text/event-stream");
    const vp = this.#versionProblem(req);
    if (vp) return vp;
    const live = await this.#sessions.find(req);
    if ("status" in live) return live;
    const lastEventId = req.header("last-event-id");
    if (this.#cluster && !lastEventId) return live.transport.openShared();
    if (lastEventId) {
      const reply = await live.transport.resume(lastEventId);
      return (
        reply ??
        errorReply(404, ErrorCode.NotFound, `not found: Last-Event-ID ${JSON.stringify(lastEventId)} names no stream of this session`)
      );
    }
    return (
      live.transport.openStandalone() ??
      errorReply(
        409,
        ErrorCode.InvalidRequest,
        "conflict: this session already has a GET stream open; close it first or resume with Last-Event-ID",
      )
    );
  }

  async #delete(req: HttpRequestLike): Promise<HttpReply> {
    if (this.#opts.stateless)
      return errorReply(405, ErrorCode.InvalidRequest, "method not allowed: this server is stateless and has no sessions to end", null, {
        allow: "POST",
      });
    const live = await this.#sessions.find(req);
    if ("status" in live) return live;
    await this.#sessions.end(live);
    return { status: 200, headers: {} };
  }

  /**
   * close ends every session in this process and stops timers; a store the handler created itself is closed
   * too. Recorded sessions stay recorded: a server started again on the same stores takes them back.
   */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    await this.#sessions.close();
    if (this.#cluster) {
      this.#server.relay = undefined;
      await this.#joined?.catch(() => {});
      await this.#cluster.leave();
    }
    if (this.#ownsStore) await this.#eventStore?.close?.();
  }
}

/** The reply while the cluster's shared state (Redis) is unreachable: fast, clear, and worth retrying. */
function unavailable(): HttpReply {
  return errorReply(
    503,
    ErrorCode.Unavailable,
    "service unavailable: this node cannot reach the cluster's shared state (Redis); retry shortly",
    null,
    { "retry-after": "2" },
  );
}

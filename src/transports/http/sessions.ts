/**
 * HttpSessions: the lifecycle of Streamable HTTP sessions (transports.mdx, "Session Management"). It creates them
 * (with a global cap and a cap per client), finds them by id for their owner, brings back ones an earlier process
 * recorded, records them once the client confirms them, and ends them when they are deleted, idle, or never
 * confirmed. The handler routes requests; this file decides which session, if any, a request belongs to.
 */
import { ErrorCode } from "../../protocol/errors.js";
import { LATEST_PROTOCOL_VERSION, type ProtocolVersion } from "../../protocol/types.js";
import { isSupportedVersion } from "../../protocol/versions.js";
import { principalKey } from "../../jsonrpc/transport.js";
import type { McpServer } from "../../server/server.js";
import type { ServerSession } from "../../server/session.js";
import type { EventStore } from "../../stores/event-store.js";
import type { SessionRecord, SessionStore } from "../../stores/session-store.js";
import type { Cluster, ClusterMessage } from "../../stores/cluster.js";
import type { LoggingLevel } from "../../protocol/generated/schema-types.js";
import { errorReply, type HttpReply } from "./reply.js";
import type { HttpRequestLike } from "./request.js";
import { HttpSessionTransport, type ResponseMode } from "./session-transport.js";

/** The longest a logging/setLevel or (un)subscribe reply waits for the change to be recorded and broadcast. */
const STATE_WAIT_MS = 2000;

export interface HttpSessionsConfig {
  responseMode: ResponseMode;
  retryMs: number;
  sessionIdleTimeoutMs: number;
  maxSessions: number;
  maxSessionsPerClient: number;
  initializeTimeoutMs: number;
  eventStore?: EventStore;
  sessionStore?: SessionStore;
  /**
   * The cluster this process serves in (scale-out): sessions are recorded as soon as initialize succeeds, since
   * the client's next request may land on another node; a copy idle here is dropped here only; an end, or a change
   * of log level or subscriptions, is told to every node.
   */
  cluster?: Cluster;
  onerror?: (error: Error) => void;
}

/** Live is one session held by this process. */
export interface Live {
  transport: HttpSessionTransport;
  session: ServerSession;
  /** The key the per-client cap counts under (principal, else address). */
  client?: string;
  /** The client sent notifications/initialized or a request after initialize (or an earlier process recorded it). */
  confirmed: boolean;
  createdAt: number;
  /** When its last use was written to the session store. */
  storedAt: number;
}

const NOT_FOUND = "session not found; it ended or expired: send initialize to start a new one";

export class HttpSessions {
  readonly #server: McpServer;
  readonly #config: HttpSessionsConfig;
  readonly #live = new Map<string, Live>();
  /** Live sessions per client key, for maxSessionsPerClient. */
  readonly #perClient = new Map<string, number>();
  #storeSweptAt = Date.now();

  constructor(server: McpServer, config: HttpSessionsConfig) {
    this.#server = server;
    this.#config = config;
  }

  get size(): number {
    return this.#live.size;
  }

  /** The key a request's sessions count under: its principal, else its address. */
  #clientKey(req: HttpRequestLike): string | undefined {
    const principal = req.authInfo && principalKey(req.authInfo);
    if (principal) return `principal:${principal}`;
    return req.remoteAddress ? `address:${req.remoteAddress}` : undefined;
  }

  /**
   * How often use of a session is written to the store. A recorded lastSeenAt can lag the truth by this much,
   * so expiry from the store allows the same slack.
   */
  get #touchEveryMs(): number {
    return Math.min(60_000, this.#config.sessionIdleTimeoutMs / 4);
  }

  newTransport(sessionId: string | undefined, version: () => ProtocolVersion): HttpSessionTransport {
    const c = this.#config;
    return new HttpSessionTransport(sessionId, {
      responseMode: c.responseMode,
      eventStore: c.eventStore,
      retryMs: c.retryMs,
      primeStreams: () => version() === "2025-11-25",
      cluster: c.cluster,
      onerror: c.onerror,
    });
  }

  /** A transport for one 2026-07-28 request: no session, no event ids, no priming event, nothing shared. */
  modernTransport(stream = false): HttpSessionTransport {
    const c = this.#config;
    return new HttpSessionTransport(undefined, {
      // subscriptions/listen is a stream whatever the configured mode: its notifications have nowhere else to go.
      responseMode: stream && c.responseMode === "json" ? "auto" : c.responseMode,
      retryMs: c.retryMs,
      primeStreams: () => false,
      onerror: c.onerror,
    });
  }

  /**
   * open starts a session for an initialize request, or refuses with 503 (too many sessions) or 429 (too many
   * for this client). The session is live only once `register` is called, after initialize succeeded.
   */
  open(req: HttpRequestLike, requestId: unknown): Live | HttpReply {
    const id = typeof requestId === "string" || typeof requestId === "number" ? requestId : undefined;
    if (this.#live.size >= this.#config.maxSessions) {
      this.sweep();
      if (this.#live.size >= this.#config.maxSessions)
        return errorReply(503, ErrorCode.Unavailable, "service unavailable: too many sessions; retry later", id, { "retry-after": "5" });
    }
    const client = this.#clientKey(req);
    const held = client ? (this.#perClient.get(client) ?? 0) : 0;
    if (held >= this.#config.maxSessionsPerClient) {
      return errorReply(
        429,
        ErrorCode.RateLimited,
        `too many sessions: this client already holds ${held} (the most allowed); end unused ones with DELETE or retry after some expire`,
        id,
        { "retry-after": "30" },
      );
    }
    // 122 random bits, hex: globally unique, unguessable and visible ASCII (transports.mdx, "Session Management").
    const sessionId = crypto.randomUUID().replace(/-/g, "");
    let session: ServerSession | undefined;
    const transport = this.newTransport(sessionId, () => session?.protocolVersion ?? LATEST_PROTOCOL_VERSION);
    transport.owner = req.authInfo ? principalKey(req.authInfo) : undefined;
    session = this.#server.connect(transport);
    const now = Date.now();
    return { transport, session, client, confirmed: false, createdAt: now, storedAt: now };
  }

  /**
   * register makes an opened session live: findable by its id, and counted for its client. In a cluster it is
   * recorded first (a failure to record throws), since the client's next request may go to another node.
   */
  async register(live: Live): Promise<void> {
    if (this.#config.cluster && this.#config.sessionStore) await this.#config.sessionStore.save(this.#record(live, Date.now()));
    this.#makeLive(live);
  }

  /** #makeLive holds a session here: findable by id, counted for its client, its state changes recorded. */
  #makeLive(live: Live): void {
    const sessionId = live.transport.sessionId!;
    this.#live.set(sessionId, live);
    if (live.client) this.#perClient.set(live.client, (this.#perClient.get(live.client) ?? 0) + 1);
    live.session.onceClosed(() => this.#forget(sessionId, live));
    live.session.onstatechange = () => this.#stateChanged(live);
  }

  #record(live: Live, lastSeenAt: number): SessionRecord {
    const { session, transport } = live;
    const record: SessionRecord = {
      sessionId: transport.sessionId!,
      owner: transport.owner,
      protocolVersion: session.protocolVersion,
      clientCapabilities: session.clientCapabilities as Record<string, unknown>,
      clientInfo: session.clientInfo as Record<string, unknown> | undefined,
      createdAt: live.createdAt,
      lastSeenAt,
    };
    if (session.logLevel) record.logLevel = session.logLevel;
    if (session.subscriptions?.size) record.subscriptions = [...session.subscriptions];
    return record;
  }

  /**
   * The client changed its log level or subscriptions: keep the record true, and tell the other nodes' copies. The
   * reply waits for both, so a client's next request, wherever it lands, finds the change; a failure is reported to
   * onerror, not to the client, whose change holds here either way.
   */
  async #stateChanged(live: Live): Promise<void> {
    if (!live.confirmed && !this.#config.cluster) return;
    const store = this.#config.sessionStore;
    const sessionId = live.transport.sessionId!;
    const { session } = live;
    const message = {
      type: "state",
      sessionId,
      logLevel: session.logLevel ?? null,
      subscriptions: [...(session.subscriptions ?? [])],
      from: this.#config.cluster?.nodeId,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([
        // Only over a record that still exists: a copy that missed the session's end must not bring it back.
        this.#storeOp(async () => {
          if (store && (await store.load(sessionId))) await store.save(this.#record(live, Date.now()));
        }),
        this.#storeOp(() => this.#config.cluster?.broadcast(message)),
      ]),
      // A stalled store does not hold the reply for long: the change holds here, and reaches the others when it can.
      new Promise((resolve) => (timer = setTimeout(resolve, STATE_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * onClusterMessage handles what other nodes say about sessions: one ended (drop the copy here), one changed
   * (update the copy), or a client message for a copy here (an answer to a request this node sent, a cancellation).
   */
  onClusterMessage(m: ClusterMessage): void {
    const live = typeof m.sessionId === "string" ? this.#live.get(m.sessionId) : undefined;
    if (!live || m.from === this.#config.cluster?.nodeId) return;
    switch (m.type) {
      case "end":
        void live.session.close();
        return;
      case "state": {
        const { session } = live;
        session.logLevel = (m.logLevel as LoggingLevel | null) ?? undefined;
        session.subscriptions = new Set(m.subscriptions as string[]);
        return;
      }
      case "deliver":
        live.transport.deliver(m.message, { remoteAddress: undefined });
        return;
    }
  }

  /** find returns the caller's session named by Mcp-Session-Id: 400 without one, 404 for an unknown or foreign one. */
  async find(req: HttpRequestLike): Promise<Live | HttpReply> {
    const id = req.header("mcp-session-id");
    if (!id)
      return errorReply(
        400,
        ErrorCode.InvalidRequest,
        "bad request: missing Mcp-Session-Id header; send initialize first to start a session",
      );
    const live = this.#live.get(id) ?? (await this.#rehydrate(id, req));
    if (!live) return errorReply(404, ErrorCode.NotFound, NOT_FOUND);
    const owner = req.authInfo ? principalKey(req.authInfo) : undefined;
    // A session is bound to the principal that created it: another caller gets "not found", not a hint.
    if (live.transport.owner !== owner) return errorReply(404, ErrorCode.NotFound, NOT_FOUND);
    const now = Date.now();
    live.transport.lastSeen = now;
    // The store hears of use now and then, not on every request: enough for the idle timeout to hold across restarts.
    if (live.confirmed && now - live.storedAt > this.#touchEveryMs) {
      live.storedAt = now;
      this.#storeOp(() => this.#config.sessionStore?.touch(id, now));
    }
    return live;
  }

  /** Brings back a session recorded by an earlier process (or another one sharing the store), unless it expired. */
  async #rehydrate(sessionId: string, req: HttpRequestLike): Promise<Live | undefined> {
    const store = this.#config.sessionStore;
    if (!store || this.#live.size >= this.#config.maxSessions) return undefined;
    const rec = await store.load(sessionId);
    if (!rec || !isSupportedVersion(rec.protocolVersion)) return undefined;
    const existing = this.#live.get(sessionId);
    if (existing) return existing;
    // Idle past the timeout while no process held it (or the process died): expired, as if it had been swept.
    if (Date.now() - (rec.lastSeenAt ?? rec.createdAt) > this.#config.sessionIdleTimeoutMs + this.#touchEveryMs) {
      await this.#dropRecorded(sessionId);
      return undefined;
    }
    const version = rec.protocolVersion;
    const transport = this.newTransport(sessionId, () => version);
    transport.owner = rec.owner;
    const clientInfo = rec.clientInfo as ServerSession["clientInfo"];
    const session = this.#server.connect(transport, {
      preinitialized: { protocolVersion: version, clientCapabilities: rec.clientCapabilities, clientInfo },
    });
    if (rec.logLevel) session.logLevel = rec.logLevel as LoggingLevel;
    if (rec.subscriptions?.length) session.subscriptions = new Set(rec.subscriptions);
    const live: Live = { transport, session, client: this.#clientKey(req), confirmed: true, createdAt: rec.createdAt, storedAt: 0 };
    // Recorded already: it only becomes live here.
    this.#makeLive(live);
    return live;
  }

  /** confirm marks a session confirmed (notifications/initialized, or a request): from now on it is recorded. */
  confirm(live: Live): void {
    if (live.confirmed) return;
    live.confirmed = true;
    const now = Date.now();
    live.storedAt = now;
    // In a cluster the record was written at initialize.
    if (!this.#config.cluster) this.#storeOp(() => this.#config.sessionStore?.save(this.#record(live, now)));
  }

  /** end closes a session for good (DELETE, or expiry) and forgets what the stores keep of it. */
  async end(live: Live): Promise<void> {
    const sessionId = live.transport.sessionId!;
    await live.session.close();
    await this.#dropRecorded(sessionId);
    const cluster = this.#config.cluster;
    // Told before the DELETE is answered, so that the other nodes drop their copies within moments.
    if (cluster) await cluster.broadcast({ type: "end", sessionId, from: cluster.nodeId }).catch((e: Error) => this.#config.onerror?.(e));
  }

  /** A session left this process (ended, expired, or the process is shutting down): drop its live state. */
  #forget(sessionId: string, live: Live): void {
    if (this.#live.get(sessionId) !== live) return;
    this.#live.delete(sessionId);
    if (live.client) {
      const n = (this.#perClient.get(live.client) ?? 1) - 1;
      if (n > 0) this.#perClient.set(live.client, n);
      else this.#perClient.delete(live.client);
    }
  }

  async #dropRecorded(sessionId: string): Promise<void> {
    try {
      await this.#config.eventStore?.deleteSession(sessionId);
      await this.#config.cluster?.deleteSession(sessionId);
      await this.#config.sessionStore?.delete(sessionId);
    } catch (e) {
      this.#config.onerror?.(e as Error);
    }
  }

  /** Runs a session-store write whose failure has no caller to report to (onerror hears it); the promise never rejects. */
  #storeOp(op: () => unknown): Promise<void> {
    try {
      const r = op();
      if (r instanceof Promise)
        return r.then(
          () => {},
          (e: Error) => this.#config.onerror?.(e),
        );
    } catch (e) {
      this.#config.onerror?.(e as Error);
    }
    return Promise.resolve();
  }

  /**
   * sweep ends idle sessions, and sessions whose client never confirmed them (within initializeTimeoutMs); about
   * once a minute it also deletes recorded sessions idle past the timeout that no process holds, so that the store
   * does not grow across restarts.
   */
  sweep(now = Date.now()): void {
    const c = this.#config;
    for (const live of this.#live.values()) {
      const idle = now - live.transport.lastSeen > c.sessionIdleTimeoutMs;
      const unconfirmed = !live.confirmed && now - live.createdAt > c.initializeTimeoutMs;
      // In a cluster, quiet here says nothing of the other nodes: only this copy goes (unless it still runs a request
      // for the client, whose other requests went elsewhere); the record expires on its own.
      if (c.cluster && (idle || unconfirmed)) {
        if (live.transport.inFlight === 0) void live.session.close();
      } else if (idle || unconfirmed) void this.end(live);
    }
    const store = c.sessionStore;
    if (store && now - this.#storeSweptAt >= Math.min(60_000, c.sessionIdleTimeoutMs)) {
      this.#storeSweptAt = now;
      void (async () => {
        try {
          for (const id of await store.sweep(now - c.sessionIdleTimeoutMs - this.#touchEveryMs)) {
            await c.eventStore?.deleteSession(id);
            await c.cluster?.deleteSession(id);
          }
        } catch (e) {
          c.onerror?.(e as Error);
        }
      })();
    }
  }

  /** close ends every session held by this process; recorded sessions stay recorded for the next one. */
  async close(): Promise<void> {
    await Promise.all([...this.#live.values()].map((l) => l.session.close()));
  }
}

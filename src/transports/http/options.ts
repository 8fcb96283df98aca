/** The options of the Streamable HTTP handler (and of serveHttp, which adds the Node-specific ones). */
import type { EventStore } from "../../stores/event-store.js";
import type { SessionStore } from "../../stores/session-store.js";
import type { Cluster } from "../../stores/cluster.js";
import type { HttpAuthenticator } from "./authenticator.js";
import type { ResponseMode } from "./session-transport.js";

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
  /**
   * The cluster this process serves in, with several processes behind one balancer (serveHttp's `redis` option
   * makes a RedisCluster): any node then serves any request of any session. Needs a shared sessionStore too. The
   * handler joins it, and leaves it on close.
   */
  cluster?: Cluster;
  /** Receives transport errors that have no caller to go to. */
  onerror?: (error: Error) => void;
  /** Authentication, such as bearerAuth({ verifier, resource, authorizationServers }) from trellis-mcp/auth. Default: none. */
  auth?: HttpAuthenticator;
}

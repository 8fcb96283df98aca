/**
 * serveHttp: the thin Node adapter. It feeds node:http requests to the Streamable HTTP core without
 * building web Request/Response objects on the hot path, and writes SSE straight to the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { misuse, TrellisError } from "../../protocol/errors.js";
import { McpServer } from "../../server/server.js";
import type { EventStore } from "../../stores/event-store.js";
import type { SessionStore } from "../../stores/session-store.js";
import { StreamableHttpHandler } from "./handler.js";
import type { StreamableHttpOptions } from "./options.js";
import type { HttpReply } from "./reply.js";
import { lingerAfter } from "../../internal/linger.js";
import type { HttpRequestLike } from "./request.js";
import { checkHost, isLoopbackHost, LOOPBACK_NAMES } from "./guard.js";
import type { MountedAuthServer } from "./authenticator.js";
import { readNodeBody, serveWeb } from "../../internal/node-web.js";

export interface ServeHttpOptions extends Omit<StreamableHttpOptions, "eventStore" | "sessionStore"> {
  /** Port to listen on. Default 0 (any free port; read it from the returned `port`). */
  port?: number;
  /** Interface to bind. Default "127.0.0.1": reachable from this machine only. */
  host?: string;
  /** The MCP endpoint path. Default "/mcp". */
  path?: string;
  /**
   * Where resumable SSE events are kept: an EventStore, "memory", or "sqlite" (the default, a file under
   * .trellis/ so streams can be resumed across restarts; stateless servers keep none).
   */
  eventStore?: EventStore | "memory" | "sqlite" | "redis";
  /**
   * Where sessions are recorded so they survive a restart: a SessionStore, "memory" (they do not), or
   * "sqlite" (the default, beside the events). Stateless servers keep none.
   */
  sessionStore?: SessionStore | "memory" | "sqlite" | "redis";
  /** SQLite file used by the "sqlite" stores. Default ".trellis/trellis.db". */
  database?: string;
  /**
   * A Redis URL: with it, the default stores are Redis instead of SQLite, and this process joins a cluster with
   * every other process on that Redis (a RedisCluster): any node serves any request of any session, behind a
   * round-robin balancer without stickiness. The one option that moves a server from SQLite to Redis.
   */
  redis?: string;
  /**
   * How long a client may take to send a request's headers, in ms. Default 10 000 (Node's own is 60 000): a
   * client that trickles them holds a socket no longer than this.
   */
  headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, body included, in ms. Default 30 000 (Node's is 300 000). */
  requestTimeoutMs?: number;
  /** The most open connections; further ones are refused at once. Default: no cap (the session caps still hold). */
  maxConnections?: number;
  /**
   * An authorization server to serve beside the MCP endpoint (trellis-mcp/auth-server's AuthorizationServer):
   * its endpoints answer on this listener, its issuer is this origin unless it has one, and the MCP endpoint is
   * protected with its tokens (this replaces `auth`).
   */
  authServer?: MountedAuthServer;
}

/** HttpServerHandle is a running server. */
export interface HttpServerHandle {
  readonly url: string;
  readonly port: number;
  readonly handler: StreamableHttpHandler;
  readonly httpServer: Server;
  close(): Promise<void>;
}

/** toNodeRequest adapts an IncomingMessage to the core's request shape. */
export function toNodeRequest(req: IncomingMessage, res?: ServerResponse): HttpRequestLike {
  let gone: AbortController | undefined;
  return {
    // Made when first read (only 2026-07-28 requests do), so other requests pay nothing for it.
    get signal() {
      if (!gone && res) {
        const ac = new AbortController();
        gone = ac;
        res.once("close", () => {
          if (!res.writableFinished) ac.abort();
        });
      }
      return gone?.signal;
    },
    method: req.method ?? "GET",
    url: req.url,
    remoteAddress: req.socket.remoteAddress,
    header: (name) => {
      const v = req.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    headers: () => {
      const h = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
      return h;
    },
    readBody: (limit) => readNodeBody(req, limit, true),
  };
}

/** writeNodeReply writes a core reply to a ServerResponse, streaming SSE until it ends or the client leaves. */
export function writeNodeReply(reply: HttpReply, res: ServerResponse): void {
  if (!reply.sse) {
    if (reply.body !== undefined) reply.headers["content-length"] = String(Buffer.byteLength(reply.body));
    if (reply.status === 413) {
      // The rest of an oversized body is not read: answer, then close the connection without losing the answer.
      reply.headers.connection = "close";
      lingerAfter(res);
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
    return;
  }
  const channel = reply.sse;
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  res.on("close", () => channel.detach());
  channel.attach({ write: (chunk) => void res.write(chunk), end: () => res.end() });
}

/**
 * serveHttp serves `server` over Streamable HTTP on node:http. It binds 127.0.0.1 unless told otherwise,
 * checks Host and Origin, and keeps resumable streams in SQLite by default.
 */
export async function serveHttp(server: McpServer | StreamableHttpHandler, options: ServeHttpOptions = {}): Promise<HttpServerHandle> {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/mcp";
  if (!path.startsWith("/")) throw misuse(`serveHttp: path must start with "/"; got ${JSON.stringify(path)}`);
  let handler: StreamableHttpHandler | undefined;
  let makeHandler: ((auth?: ReturnType<MountedAuthServer["mount"]>) => StreamableHttpHandler) | undefined;
  const owned: { close?(): void | Promise<void> }[] = [];
  if (server instanceof StreamableHttpHandler) {
    if (options.authServer) throw misuse("serveHttp: authServer needs an McpServer (a StreamableHttpHandler already has its auth)");
    handler = server;
  } else if (server instanceof McpServer) {
    let eventStore: EventStore | undefined;
    let sessionStore: SessionStore | undefined;
    let cluster = options.cluster;
    const fallback = options.redis ? "redis" : "sqlite";
    const events = options.eventStore ?? fallback;
    const sessions = options.sessionStore ?? fallback;
    if ((events === "redis" || sessions === "redis") && !options.redis)
      throw misuse('serveHttp: "redis" stores need the redis option (a redis:// URL)');
    // A cluster keeps resumable streams itself (shared streams), so no event store is opened beside it.
    const clustered = !options.stateless && (options.cluster !== undefined || (sessions === "redis" && options.redis !== undefined));
    if (!options.stateless) {
      if (clustered && typeof events === "string") eventStore = undefined;
      else if (events === "redis") {
        const { RedisEventStore } = await import("../../stores/redis/event-store.js");
        owned.push((eventStore = new RedisEventStore({ redis: options.redis })));
      } else if (events === "sqlite") {
        const { SqliteEventStore } = await import("../../stores/sqlite/event-store.js");
        owned.push((eventStore = new SqliteEventStore({ filename: options.database })));
      } else if (events !== "memory") eventStore = events;
      if (sessions === "redis") {
        const { RedisSessionStore } = await import("../../stores/redis/session-store.js");
        owned.push((sessionStore = new RedisSessionStore({ redis: options.redis })));
        if (clustered && options.cluster === undefined) {
          // With Redis, this process is one node of a cluster: any node serves any request of any session.
          const { RedisCluster } = await import("../../stores/redis/cluster.js");
          cluster = new RedisCluster({ redis: options.redis });
        }
      } else if (sessions === "sqlite") {
        const { SqliteSessionStore } = await import("../../stores/sqlite/session-store.js");
        owned.push((sessionStore = new SqliteSessionStore({ filename: options.database })));
      } else if (sessions !== "memory") sessionStore = sessions;
    }
    // Every process on a shared store signs 2026-07-28 requestState alike, so a retry may land on any of them.
    if (sessionStore?.sharedSecret) server.useRequestStateSecret(await sessionStore.sharedSecret("request-state"));
    // Bound beyond loopback, the Host check must name the real host names: demand them rather than guess.
    if (!isLoopbackHost(host) && options.allowedHosts === undefined) {
      throw misuse(
        `serveHttp: binding ${host} needs allowedHosts (the Host names clients use), or allowedHosts: "any" behind a proxy that checks Host`,
      );
    }
    const mcp = server;
    makeHandler = (auth) =>
      new StreamableHttpHandler(mcp, {
        ...options,
        ...(auth ? { auth } : {}),
        eventStore,
        sessionStore,
        cluster,
        allowedHosts: options.allowedHosts ?? LOOPBACK_NAMES,
      });
  } else {
    throw misuse("serveHttp: the first argument must be an McpServer or a StreamableHttpHandler", "ERR_INVALID_ARG_TYPE");
  }
  const authServer = options.authServer;
  if (!authServer && makeHandler) handler = makeHandler();
  if (handler)
    await handler.ready().catch(async (e: Error) => {
      await handler!.close().catch(() => {});
      for (const o of owned) await o.close?.();
      throw new TrellisError("STORE_UNAVAILABLE", `serveHttp: could not join the cluster (${e.message})`, { cause: e });
    });
  let prm = handler?.wellKnown();
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? Math.max(30_000, headersTimeout);
  if (requestTimeout < headersTimeout)
    throw misuse(
      `serveHttp: requestTimeoutMs (${requestTimeout}) must be at least headersTimeoutMs (${headersTimeout}): the body comes after the headers`,
    );
  let origin = "";
  const httpServer = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts on this interval (30 s by default), which would let slow clients stay that much longer.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const p = q === -1 ? url : url.slice(0, q);
      if (authServer?.handles(p)) {
        // The same Host rule as the MCP endpoint (DNS rebinding); the sign-in forms check Origin themselves.
        const hostProblem = checkHost(req.headers.host ?? null, options.allowedHosts ?? LOOPBACK_NAMES);
        if (hostProblem) {
          res
            .writeHead(403, { "content-type": "application/json" })
            .end(JSON.stringify({ error: "forbidden", error_description: hostProblem }));
          return;
        }
        void serveWeb(req, res, origin, (r) => authServer.fetch(r), 64 * 1024);
        return;
      }
      if (!handler) {
        res.writeHead(503).end();
        return;
      }
      if (prm?.paths.includes(p)) {
        // RFC 9728: the metadata is public, so browsers may fetch it cross-origin.
        const body = JSON.stringify(prm.document);
        res.writeHead(req.method === "GET" ? 200 : 405, {
          "content-type": "application/json",
          "access-control-allow-origin": "*",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      if (p !== path) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `not found: the MCP endpoint is ${path}` }));
        return;
      }
      handler.handle(toNodeRequest(req, res)).then(
        (reply) => writeNodeReply(reply, res),
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    },
  );
  httpServer.keepAliveTimeout = 65_000;
  if (options.maxConnections !== undefined) httpServer.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = httpServer.address();
  const port = typeof addr === "object" && addr ? addr.port : (options.port ?? 0);
  const shownHost = host.includes(":") ? `[${host}]` : host;
  origin = `http://${shownHost}:${port}`;
  if (authServer) {
    // The handler needs the resource URL, which needs the port: made now, before any request can be read.
    handler = makeHandler!(authServer.mount(`${origin}${path}`));
    prm = handler.wellKnown();
  }
  const ready = handler!;
  return {
    url: `${origin}${path}`,
    port,
    handler: ready,
    httpServer,
    close: async () => {
      await ready.close();
      for (const store of owned) await store.close?.();
      httpServer.closeAllConnections?.();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/**
 * ServerSession: the server's side of one connection. It holds what the client negotiated (revision,
 * capabilities, log level, subscriptions) and nothing else, so that an idle session stays small.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import { methodTables } from "../protocol/methods.js";
import type { ExtensionsCapability } from "../protocol/extensions.js";
import { LATEST_PROTOCOL_VERSION, type ProtocolVersion } from "../protocol/types.js";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/generated/schema-types.js";
import { Session, type NotificationHandler, type RequestHandler } from "../jsonrpc/session.js";
import type { Transport } from "../jsonrpc/transport.js";
import { logMessage } from "./logging.js";
import type { Envelope } from "../protocol/modern.js";
import type { ServerNotice } from "./server.js";

export interface ServerSessionOptions {
  handlers: ReadonlyMap<string, RequestHandler>;
  notificationHandlers: ReadonlyMap<string, NotificationHandler>;
  timeoutMs?: number;
  onerror?: (error: Error) => void;
  /** Treat the session as initialized at this revision (stateless HTTP, where each request stands alone). */
  preinitialized?: { protocolVersion: ProtocolVersion; clientCapabilities?: ClientCapabilities; clientInfo?: Implementation };
  /** A 2026-07-28 request's envelope: the session serves that one request in the modern era. */
  modern?: Envelope;
}

/** A ServerSession is one client's connection to an McpServer. */
export class ServerSession extends Session {
  /** The revision negotiated at initialize. */
  protocolVersion: ProtocolVersion = LATEST_PROTOCOL_VERSION;
  clientCapabilities: ClientCapabilities = {};
  clientInfo?: Implementation;
  /** Set once `initialize` has been answered. */
  initialized = false;
  /** The threshold set by `logging/setLevel`; undefined sends every level. */
  logLevel?: LoggingLevel;
  /** A stable id for a session without a transport session id (stdio), used to own tasks. */
  localId?: string;
  /**
   * The extensions both sides declared: the client's settings for each extension this server uses. Extensions the
   * client declared that the server does not use are left out (SEP-2133: unknown extensions are ignored).
   */
  extensions: ExtensionsCapability = {};
  /**
   * False when the client's capabilities are unknown: a stateless HTTP request after initialize carries none.
   * Extensions then neither refuse the client (requireClient) nor assume it lacks them (Apps' text-only fallback).
   */
  capabilitiesKnown = true;
  /** Resource URIs this client subscribed to. Created on first subscribe. */
  subscriptions?: Set<string>;
  /**
   * Called after logging/setLevel or a (un)subscribe changed what the session holds, so that a transport which
   * records sessions (or shares them between processes) can keep its record true. The reply waits for the returned
   * promise: once a client has its answer, every process serving the session has been told.
   */
  onstatechange?: () => void | Promise<void>;
  /**
   * Set when the session serves one 2026-07-28 request (what its _meta said): results are shaped for that revision,
   * asks become input_required rounds, and log messages go out only at the level the request named.
   */
  modern?: Envelope;
  /** Set while the session serves a 2026-07-28 subscriptions/listen: how a server-wide notice reaches its stream. */
  listen?: (notice: ServerNotice) => void;

  constructor(transport: Transport, options: ServerSessionOptions) {
    const tables = methodTables(options.preinitialized?.protocolVersion ?? LATEST_PROTOCOL_VERSION);
    super(transport, {
      incoming: tables.clientRequests,
      outgoing: tables.serverRequests,
      notifications: tables.notifications,
      handlers: options.handlers,
      notificationHandlers: options.notificationHandlers,
      timeoutMs: options.timeoutMs,
      onerror: options.onerror,
    });
    const modern = options.modern;
    if (modern) {
      this.modern = modern;
      this.logLevel = modern.logLevel;
      options = {
        ...options,
        preinitialized: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          clientCapabilities: modern.clientCapabilities,
          clientInfo: modern.clientInfo,
        },
      };
    }
    if (options.preinitialized) {
      this.protocolVersion = options.preinitialized.protocolVersion;
      this.clientCapabilities = options.preinitialized.clientCapabilities ?? {};
      this.capabilitiesKnown = options.preinitialized.clientCapabilities !== undefined;
      this.clientInfo = options.preinitialized.clientInfo;
      this.initialized = true;
    }
    this.gate = (method) => {
      if (method === "initialize") {
        return this.initialized
          ? new ProtocolError(ErrorCode.InvalidRequest, 'invalid request: "initialize" was already received on this session')
          : undefined;
      }
      return this.initialized
        ? undefined
        : new ProtocolError(
            ErrorCode.InvalidRequest,
            `invalid request: "${method}" received before "initialize"; initialize the session first`,
          );
    };
  }

  /** The transport's session id (Streamable HTTP), if any. */
  get sessionId(): string | undefined {
    return this.transport.sessionId;
  }

  /** log sends a `notifications/message` to this client if its level passes the client's threshold. */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    if (this.modern && !this.logLevel) return;
    const params = this.initialized ? logMessage(level, data, logger, this.logLevel) : undefined;
    if (params) this.notify("notifications/message", params);
  }

  /** notifyElicitationComplete tells the client a URL-mode elicitation finished (SEP-1036). */
  notifyElicitationComplete(elicitationId: string): void {
    this.notify("notifications/elicitation/complete", { elicitationId });
  }
}

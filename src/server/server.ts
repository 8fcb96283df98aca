/**
 * McpServer: the server framework. Register tools, resources, templates and prompts, then connect any
 * number of transports; each connection is a ServerSession sharing the server's registries and handlers.
 * What the server answers is one table (CORE_METHODS below); each feature's file holds its handlers.
 */
import { ErrorCode, misuse, ProtocolError } from "../protocol/errors.js";
import { downgradeResult } from "../protocol/versions.js";
import { INPUT_METHODS, MODERN_PROTOCOL_VERSIONS, shapeModernResult, type CacheHints, type Envelope } from "../protocol/modern.js";
import { argumentsDigest, beginRound, type Binding, endRound, InputRequired, RequestStateCodec } from "./mrtr.js";
import { listen } from "./listen.js";
import { splitModern } from "./modern-router.js";
import {
  cancelTask as cancelModernTask,
  deferredTask,
  getTask as getModernTask,
  startTask,
  TASKS_EXTENSION,
  updateTask,
} from "./tasks-extension.js";
import { principalKey } from "../jsonrpc/transport.js";
import type { ProtocolVersion } from "../protocol/types.js";
import type { ClientCapabilities, Implementation, LoggingLevel, ServerCapabilities, Tool } from "../protocol/generated/schema-types.js";
import type { NotificationHandler, RequestHandler } from "../jsonrpc/session.js";
import type { AuthInfo, Transport } from "../jsonrpc/transport.js";
import type { SchemaInput } from "../internal/schema.js";
import { TaskManager } from "../tasks/manager.js";
import type { TaskOptions } from "../tasks/types.js";
import { complete, completionsCapability } from "./completion.js";
import { initialize, initialized, rootsListChanged } from "./lifecycle.js";
import { checkCache, hintsFor, type CacheConfig } from "./caching.js";
import { loggingCapability, logMessage, setLevel } from "./logging.js";
import {
  buildPromptEntry,
  getPromptMethod,
  listPrompts,
  promptsCapability,
  type PromptConfig,
  type PromptHandler,
  type RegisteredPrompt,
} from "./prompts.js";
import { installExtension, missingExtension, type ServerExtension } from "./extension.js";
import { negotiate, peerExtensions } from "../protocol/extensions.js";
import { Registrar, type CapabilityContribution, type ServerMethod, type ServerNotification } from "./registrar.js";
import {
  buildResourceEntry,
  buildTemplateEntry,
  listResources,
  listResourceTemplates,
  readResource,
  resourcesCapability,
  subscribe,
  unsubscribe,
  type RegisteredResource,
  type ResourceConfig,
  type ResourceHandler,
  type ResourceTemplateConfig,
  type ResourceTemplateHandler,
} from "./resources.js";
import { authorize, SCOPED_METHODS, scopesFor } from "./scopes.js";
import { ServerSession } from "./session.js";
import { ServerState } from "./state.js";
import { cancelTask, getTask, listTasks, recoverToolTasks, taskResult, tasksCapability } from "./tasks.js";
import {
  buildToolEntry,
  callToolMethod,
  runTool,
  listTools,
  toolsCapability,
  type RegisteredTool,
  type ToolConfig,
  type ToolHandler,
} from "./tools.js";

type Params = Record<string, unknown>;

/** ServerOptions configure an McpServer. Every field is optional. */
/** A notification for every session of a server (McpServer.relay carries it between processes). */
export type ServerNotice =
  | { kind: "list_changed"; list: "tools" | "resources" | "prompts" }
  | { kind: "resource_updated"; uri: string }
  | { kind: "log"; level: LoggingLevel; data: unknown; logger?: string };

export interface ServerOptions {
  /** Instructions for the model, sent in the initialize result. */
  instructions?: string;
  /** Items per page of every list. Default DEFAULT_PAGE_SIZE (100). */
  pageSize?: number;
  /**
   * Capabilities to declare even when nothing is registered yet (for servers that register at run time).
   * By default tools, resources and prompts are declared when something of the kind is registered.
   */
  capabilities?: ServerCapabilities;
  /** Timeout for requests the server sends (ping, roots/list). Default 60 000 ms. */
  timeoutMs?: number;
  /** Receives errors with no caller to report to: a bad message from a peer, a throwing notification handler. */
  onerror?: (error: Error) => void;
  /** Called when a client says its roots changed. */
  onRootsListChanged?: (session: ServerSession) => void;
  /**
   * With OAuth (HTTP `auth`): whether lists show items the caller lacks the scopes for. Default "hide", so a
   * model is not offered tools it cannot call.
   */
  unauthorizedItems?: "hide" | "show";
  /**
   * 2026-07-28: the secret that signs `requestState` in multi round-trip requests. Every process that may receive a
   * retry needs the same one (serveHttp takes it from a shared store). Default: random per process.
   */
  requestStateSecret?: Uint8Array | string;
  /**
   * 2026-07-28 caching hints (`ttlMs`, `cacheScope`) on server/discover and the list and read results. Default
   * `{ ttlMs: 0, cacheScope: "private" }`: clients may keep nothing and share nothing unless you say so. A tool,
   * prompt, resource or template may say its own (`cache` in its config); see caching.ts for how they combine.
   */
  cache?: CacheConfig;
  /**
   * Tasks (SEP-1686): where they are stored and for how long. Tasks are on when this is set or when a tool
   * declares execution.taskSupport; the default store keeps them in memory.
   */
  tasks?: TaskOptions;
  /**
   * Called after each request a handler served (not initialize or ping), with who asked, what for, the outcome
   * and the time taken — the feed of an audit log (trellis-mcp/auth-server's auditRequests). Off by default, and
   * costs nothing then.
   */
  onRequest?: (record: RequestRecord) => void;
}

/** RequestRecord is what onRequest learns about one request. */
export interface RequestRecord {
  method: string;
  /** The tool, prompt (name) or resource (uri) the request names. */
  target?: string;
  params: Params;
  session: ServerSession;
  auth?: AuthInfo;
  /** "ok"; "tool_error" for a tool result with isError; else the JSON-RPC error code as a string. */
  outcome: string;
  error?: string;
  durationMs: number;
}

/** ConnectOptions configure one connection. */
export interface ConnectOptions {
  /** Serve one 2026-07-28 request: what its _meta said (see protocol/modern.ts). */
  modern?: Envelope;
  /** Skip the initialize handshake (stateless HTTP): the session starts initialized at this revision. */
  preinitialized?: { protocolVersion: ProtocolVersion; clientCapabilities?: ClientCapabilities; clientInfo?: Implementation };
}

/** Every method a client may send, one line each: the handler lives in its feature's file. */
const CORE_METHODS: Readonly<Record<string, ServerMethod>> = {
  initialize: initialize,
  // Answered for 2026-07-28 requests (#serveModern); a 2025 session does not have it.
  "server/discover": () => {
    throw new ProtocolError(
      ErrorCode.MethodNotFound,
      'method not found: "server/discover" is a 2026-07-28 method; this session was initialized',
    );
  },
  "tasks/update": () => {
    throw new ProtocolError(ErrorCode.MethodNotFound, 'method not found: "tasks/update" is part of the 2026-07-28 tasks extension');
  },
  "subscriptions/listen": () => {
    throw new ProtocolError(
      ErrorCode.MethodNotFound,
      'method not found: "subscriptions/listen" is a 2026-07-28 method; an initialized session gets notifications on its GET stream',
    );
  },
  "logging/setLevel": setLevel,
  "tools/list": listTools,
  "tools/call": callToolMethod,
  "resources/list": listResources,
  "resources/templates/list": listResourceTemplates,
  "resources/read": readResource,
  "resources/subscribe": subscribe,
  "resources/unsubscribe": unsubscribe,
  "prompts/list": listPrompts,
  "prompts/get": getPromptMethod,
  "completion/complete": complete,
  "tasks/get": getTask,
  "tasks/result": taskResult,
  "tasks/list": listTasks,
  "tasks/cancel": cancelTask,
};

/** The notifications a client may send that the server acts on (cancelled and progress are the session's). */
const CORE_NOTIFICATIONS: Readonly<Record<string, ServerNotification>> = {
  "notifications/initialized": initialized,
  "notifications/roots/list_changed": rootsListChanged,
};

/** What the core declares, in the order the initialize result lists it. */
const CORE_CAPABILITIES: readonly CapabilityContribution[] = [
  loggingCapability,
  completionsCapability,
  toolsCapability,
  resourcesCapability,
  promptsCapability,
  tasksCapability,
];

export class McpServer {
  readonly info: Implementation;
  readonly #state: ServerState;
  readonly #registrar = new Registrar();
  /** Signs requestState for 2026-07-28 multi round-trip requests; made on first use. */
  #codec?: RequestStateCodec;
  readonly #sessions = new Set<ServerSession>();
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #notificationHandlers = new Map<string, NotificationHandler>();
  #seq = 0;
  #pendingListChanged = new Set<string>();
  #recovered?: Promise<unknown>;

  /** Creates a server; `info` is what clients see as serverInfo (name and version are required). */
  constructor(info: Implementation, options: ServerOptions = {}) {
    if (typeof info?.name !== "string" || typeof info?.version !== "string")
      throw misuse('new McpServer: info must have string "name" and "version", as in { name: "my-server", version: "1.0.0" }');
    if (options.pageSize !== undefined && !(Number.isInteger(options.pageSize) && options.pageSize > 0))
      throw misuse(`new McpServer: pageSize must be a positive integer; got ${options.pageSize}`);
    checkCache(options.cache, "new McpServer");
    this.info = info;
    const state = new ServerState(info, options);
    this.#state = state;
    if (options.tasks) state.tasks = new TaskManager(options.tasks);
    state.capabilities = () => this.#registrar.capabilities(state, { ...state.forced });
    this.#registrar.add({ owner: "core", methods: CORE_METHODS, notifications: CORE_NOTIFICATIONS, capabilities: CORE_CAPABILITIES });
    this.#installHandlers();
  }

  /** Gives sessions a handler for every method and notification in the registrar that they do not have yet. */
  #installHandlers(): void {
    const state = this.#state;
    for (const [method, { handler }] of this.#registrar.methods())
      if (!this.#handlers.has(method)) this.#handlers.set(method, this.#wrap(method, handler));
    for (const [method, { handler }] of this.#registrar.notifications())
      if (!this.#notificationHandlers.has(method))
        this.#notificationHandlers.set(method, (p, session, extra) => handler(p, session as ServerSession, state, extra));
  }

  /** The sessions currently connected. */
  get sessions(): ReadonlySet<ServerSession> {
    return this.#sessions;
  }

  // ---- registration ------------------------------------------------------------------------------

  /**
   * registerTool adds a tool. It throws a TypeError at once when the name breaks the spec's rules, the name
   * is taken, or a schema cannot be compiled, so mistakes surface at start-up rather than when a model
   * calls the tool.
   */
  registerTool<S extends SchemaInput | undefined = undefined>(
    name: string,
    config: ToolConfig<S>,
    handler: ToolHandler<S>,
  ): RegisteredTool {
    const tools = this.#state.tools;
    if (tools.has(name))
      throw misuse(
        `registerTool ${JSON.stringify(name)}: a tool with this name is already registered; remove it first or pick another name`,
      );
    const entry = buildToolEntry(++this.#seq, name, config as ToolConfig, handler as ToolHandler);
    if (entry.definition.execution?.taskSupport && entry.definition.execution.taskSupport !== "forbidden")
      this.#state.tasks ??= new TaskManager();
    return { name, remove: this.#add(tools, name, entry, "tools") };
  }

  /** registerResource adds a resource at a fixed URI. */
  registerResource(uri: string, config: ResourceConfig, handler: ResourceHandler): RegisteredResource {
    const resources = this.#state.resources;
    if (resources.has(uri)) throw misuse(`registerResource ${JSON.stringify(uri)}: a resource with this URI is already registered`);
    const entry = buildResourceEntry(++this.#seq, uri, config, handler);
    if (!entry.listed) this.#state.unlisted++;
    const remove = this.#add(resources, uri, entry, entry.listed ? "resources" : undefined);
    if (entry.listed) return { uri, remove };
    const unlist = () => {
      if (resources.get(uri) !== entry) return;
      remove();
      this.#state.unlisted--;
    };
    return { uri, remove: unlist };
  }

  /** registerResourceTemplate adds an RFC 6570 template; reads of matching URIs reach `handler` with the variables. */
  registerResourceTemplate(uriTemplate: string, config: ResourceTemplateConfig, handler: ResourceTemplateHandler): RegisteredResource {
    const templates = this.#state.templates;
    if (templates.has(uriTemplate))
      throw misuse(`registerResourceTemplate ${JSON.stringify(uriTemplate)}: this template is already registered`);
    const entry = buildTemplateEntry(++this.#seq, uriTemplate, config, handler);
    return { uri: uriTemplate, remove: this.#add(templates, uriTemplate, entry, "resources") };
  }

  /** registerPrompt adds a prompt; required arguments are checked before `handler` runs. */
  registerPrompt(name: string, config: PromptConfig, handler: PromptHandler): RegisteredPrompt {
    const prompts = this.#state.prompts;
    if (prompts.has(name)) throw misuse(`registerPrompt ${JSON.stringify(name)}: a prompt with this name is already registered`);
    const entry = buildPromptEntry(++this.#seq, name, config, handler);
    return { name, remove: this.#add(prompts, name, entry, "prompts") };
  }

  /** Adds a validated entry, tells clients, and returns its remove function (a no-op once replaced or removed). */
  #add<T>(registry: Map<string, T>, key: string, entry: T, kind: "tools" | "resources" | "prompts" | undefined): () => void {
    registry.set(key, entry);
    if (kind) this.#listChanged(kind);
    return () => {
      if (registry.get(key) === entry && registry.delete(key) && kind) this.#listChanged(kind);
    };
  }

  /**
   * use turns an extension on (SEP-2133: extensions are off until the application opts in): the server declares it
   * in `capabilities.extensions` and serves what its `setup` adds. It returns what `setup` returns, typically the
   * extension's own registration API. Call it before connecting clients; a refused extension leaves nothing behind.
   */
  use<Api>(extension: ServerExtension<Api>): Api {
    if (this.#sessions.size)
      throw misuse("server.use: turn extensions on before connecting clients, so every client sees the same capabilities");
    const api = installExtension(extension, { state: this.#state, registrar: this.#registrar, items: this });
    this.#installHandlers();
    return api;
  }

  // ---- connections -------------------------------------------------------------------------------

  /**
   * scopesFor is what a request needs: the scopes of the item whose code it would run or whose output it
   * would return (scopes.ts). The HTTP authenticator checks them before dispatch.
   */
  scopesFor(method: string, params: Record<string, unknown>, authInfo?: AuthInfo): string[] | Promise<string[]> {
    return scopesFor(this.#state, method, params, authInfo);
  }

  /**
   * recoverTasks settles tasks a previous process left unfinished (resumable tools run again, others are
   * marked failed). It runs once, at the first connect; call it yourself to run it earlier.
   */
  recoverTasks(): Promise<unknown> {
    const state = this.#state;
    const resumable = (name: string) => {
      const tool = state.tools.get(name);
      return tool?.resumable
        ? (args: Record<string, unknown> | undefined, ctx: Parameters<typeof runTool>[3]) => runTool(state, tool, args, ctx)
        : undefined;
    };
    return (this.#recovered ??= state.tasks ? recoverToolTasks(state.tasks, resumable) : Promise.resolve());
  }

  /** toolDefinition: a registered tool as tools/list shows it (transports read its x-mcp-header marks). */
  toolDefinition(name: string): Tool | undefined {
    return this.#state.tools.get(name)?.definition as Tool | undefined;
  }

  /**
   * useRequestStateSecret sets the secret that signs 2026-07-28 requestState, unless the `requestStateSecret`
   * option set one: serveHttp passes the one its shared store keeps, so a retry may land on any process.
   */
  useRequestStateSecret(secret: Uint8Array): void {
    if (this.#state.options.requestStateSecret === undefined) this.#codec = new RequestStateCodec(secret);
  }

  /** connect serves one connection over `transport` and returns its session. */
  connect(transport: Transport, options: ConnectOptions = {}): ServerSession {
    const o = this.#state.options;
    // A connection of its own (stdio, in-memory) serves 2026-07-28 requests beside its 2025 session, one session each.
    if (!options.modern && !options.preinitialized) transport = splitModern(transport, (t, modern) => void this.connect(t, { modern }));
    if (this.#state.tasks && !this.#recovered) void this.recoverTasks().catch((e: Error) => o.onerror?.(e));
    const session = new ServerSession(transport, {
      handlers: this.#handlers,
      notificationHandlers: this.#notificationHandlers,
      timeoutMs: o.timeoutMs,
      onerror: o.onerror,
      preinitialized: options.preinitialized,
      modern: options.modern,
    });
    if (session.initialized) session.extensions = negotiate(this.#state.extensions.keys(), peerExtensions(session.clientCapabilities));
    this.#sessions.add(session);
    session.onceClosed(() => this.#sessions.delete(session));
    return session;
  }

  /** notifyResourceUpdated tells every client subscribed to `uri` that it changed. */
  notifyResourceUpdated(uri: string): void {
    this.#notice({ kind: "resource_updated", uri });
  }

  /** log sends a log message to every connected client whose level lets it through. */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    this.#notice({ kind: "log", level, data, logger });
  }

  /**
   * relay is set by a transport that spreads one server over several processes (serveHttp with `redis`): server-wide
   * notifications go to it instead of to this process's sessions, and it hands them to `notifySessions` in every
   * process, so that sessions held elsewhere hear them too. Leave it unset otherwise.
   */
  relay?: (notice: ServerNotice) => void;

  #notice(notice: ServerNotice): void {
    if (this.relay) this.relay(notice);
    else this.notifySessions(notice);
  }

  /**
   * notifySessions sends a server-wide notice to the sessions of this process. `once` keys it, so that a session
   * several processes hold hears it once (see SendOptions.once).
   */
  notifySessions(notice: ServerNotice, once?: string): void {
    const options = once === undefined ? undefined : { once };
    for (const s of this.#sessions) {
      if (!s.initialized) continue;
      // A 2026-07-28 request hears server-wide notices only through subscriptions/listen, and only those it asked for.
      if (s.modern) {
        s.listen?.(notice);
        continue;
      }
      if (notice.kind === "list_changed") s.notify(`notifications/${notice.list}/list_changed`, undefined, options);
      else if (notice.kind === "resource_updated") {
        if (s.subscriptions?.has(notice.uri)) s.notify("notifications/resources/updated", { uri: notice.uri }, options);
      } else {
        const params = logMessage(notice.level, notice.data, notice.logger, s.logLevel);
        if (params) s.notify("notifications/message", params, options);
      }
    }
  }

  /** close closes every session. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.close()));
    await this.#state.tasks?.close();
  }

  /** Coalesces list_changed notifications: many registrations in one tick send one notification. */
  #listChanged(kind: "tools" | "resources" | "prompts"): void {
    if ((this.#sessions.size === 0 && !this.relay) || this.#pendingListChanged.has(kind)) return;
    this.#pendingListChanged.add(kind);
    queueMicrotask(() => {
      this.#pendingListChanged.delete(kind);
      this.#notice({ kind: "list_changed", list: kind });
    });
  }

  /**
   * A registrar method as a session handler: the server's own check of per-item scopes for callers a transport
   * authenticated (Streamable HTTP answers 403 before dispatch, so this never fails there), then the handler, then
   * the result downgraded for clients of older revisions.
   */
  #wrap(method: string, handler: ServerMethod): RequestHandler {
    const state = this.#state;
    const scoped = SCOPED_METHODS.has(method);
    const inner = this.#serve(method, handler, state, scoped);
    const observe = state.options.onRequest;
    if (!observe || method === "initialize" || method === "ping") return inner;
    return (params, rpc) => {
      const start = performance.now();
      const report = (outcome: string, error?: string) => {
        const p = params as { name?: unknown; uri?: unknown };
        const target = typeof p?.name === "string" ? p.name : typeof p?.uri === "string" ? p.uri : undefined;
        try {
          observe({
            method,
            target,
            params,
            session: rpc.session as ServerSession,
            auth: rpc.extra?.authInfo,
            outcome,
            error,
            durationMs: performance.now() - start,
          });
        } catch (err) {
          state.options.onerror?.(err as Error);
        }
      };
      const done = (r: unknown) => {
        report((r as { isError?: unknown })?.isError === true ? "tool_error" : "ok");
        return r;
      };
      const failed = (err: unknown) => {
        report(String((err as { code?: unknown })?.code ?? "error"), (err as Error)?.message);
        throw err;
      };
      try {
        const out = inner(params, rpc);
        return out instanceof Promise ? out.then(done, failed) : done(out);
      } catch (err) {
        return failed(err);
      }
    };
  }

  /**
   * One 2026-07-28 request: the same handler, its result shaped for the revision (resultType, caching hints, the
   * server's identity), and for tools/call, prompts/get and resources/read a multi round-trip round (mrtr.ts).
   */
  async #serveModern(
    method: string,
    handler: ServerMethod,
    state: ServerState,
    scoped: boolean,
    params: Params,
    rpc: Parameters<RequestHandler>[1],
  ): Promise<Params> {
    const session = rpc.session as ServerSession;
    const auth = rpc.extra?.authInfo;
    if (state.extensions.size && method !== "server/discover") checkRequiredExtensions(state, session);
    if (auth && scoped) await authorize(state, method, params, auth);
    const cache: CacheHints = hintsFor(state, method, params, rpc);
    if (method === "server/discover") {
      const capabilities = modernCapabilities(state.capabilities());
      if (state.tasks) capabilities.extensions = { ...capabilities.extensions, [TASKS_EXTENSION]: {} };
      const result: Params = { supportedVersions: [...MODERN_PROTOCOL_VERSIONS], capabilities };
      if (state.options.instructions !== undefined) result.instructions = state.options.instructions;
      return shapeModernResult(method, result, state.info, cache);
    }
    if (method === "subscriptions/listen") return listen(params, rpc, session, state);
    if (method === "tasks/get") return getModernTask(state, params, session, rpc);
    if (method === "tasks/update") return updateTask(state, params, session, rpc);
    if (method === "tasks/cancel") return cancelModernTask(state, params, session, rpc);
    if (method === "tools/call") {
      // The server decides whether a call runs as a task (the extension has no per-request hint; "task" is ignored).
      const task = await startTask(state, params, session, rpc);
      if (task) return shapeModernResult(method, task, state.info, cache);
      params = { ...params };
      delete params.task;
    }
    const call = { state, session, rpc };
    try {
      return await this.#runModern(method, handler, state, params, rpc, call, cache);
    } catch (err) {
      // 2026-07-28 reports an unknown resource as invalid params, with its URI (SEP-2164).
      if (err instanceof ProtocolError && err.code === ErrorCode.ResourceNotFound)
        throw new ProtocolError(ErrorCode.InvalidParams, err.message, { uri: params.uri });
      throw err;
    }
  }

  async #runModern(
    method: string,
    handler: ServerMethod,
    state: ServerState,
    params: Params,
    rpc: Parameters<RequestHandler>[1],
    call: Parameters<ServerMethod>[1],
    cache: CacheHints,
  ): Promise<Params> {
    const auth = rpc.extra?.authInfo;
    if (!INPUT_METHODS.has(method)) return shapeModernResult(method, (await handler(params, call)) as Params, state.info, cache);
    const codec = (this.#codec ??= new RequestStateCodec(state.options.requestStateSecret));
    // What a requestState is bound to; the arguments' digest is computed only when a state is opened or sealed.
    let bound: Promise<Binding> | undefined;
    const binding = () =>
      (bound ??= argumentsDigest(params.arguments).then((h) => ({
        m: method,
        t: String(params.name ?? params.uri ?? ""),
        h,
        p: (auth && principalKey(auth)) ?? "",
      })));
    const round = await beginRound(rpc, codec, params, binding);
    try {
      const deferred = method === "tools/call" ? deferredTask(state, params, call.session, rpc) : undefined;
      if (!deferred) return shapeModernResult(method, (await handler(params, call)) as Params, state.info, cache);
      // A deferred task: the handler's asks are input rounds until ctx.background(), which answers with the task.
      const running = Promise.resolve(handler(params, call));
      running.then(deferred.settle, deferred.fail);
      const first = await Promise.race([running.then((r) => ({ result: r as Params })), deferred.started.then((task) => ({ task }))]);
      return "task" in first
        ? shapeModernResult(method, first.task, state.info, cache)
        : shapeModernResult(method, first.result, state.info, cache);
    } catch (err) {
      if (err instanceof InputRequired && round.needed.size) return endRound(round, codec, binding);
      throw err;
    }
  }

  #serve(method: string, handler: ServerMethod, state: ServerState, scoped: boolean): RequestHandler {
    return (params, rpc) => {
      const session = rpc.session as ServerSession;
      if (session.modern) return this.#serveModern(method, handler, state, scoped, params, rpc);
      if (state.extensions.size && method !== "initialize" && session.capabilitiesKnown) checkRequiredExtensions(state, session);
      const call = { state, session, rpc };
      const auth = rpc.extra?.authInfo;
      const out = auth && scoped ? authorize(state, method, params, auth).then(() => handler(params, call)) : handler(params, call);
      if (session.protocolVersion === "2025-11-25") return out;
      return out instanceof Promise
        ? out.then((r) => downgradeResult(method, r as Params, session.protocolVersion))
        : downgradeResult(method, out as Params, session.protocolVersion);
    };
  }
}

/** What 2026-07-28 capabilities leave out: tasks (an extension in that revision). */
function modernCapabilities(caps: ServerCapabilities): ServerCapabilities {
  const out: ServerCapabilities = { ...caps };
  delete out.tasks;
  return out;
}

/** Refuses a client that did not declare an extension the server requires, with the error the spec names. */
function checkRequiredExtensions(state: ServerState, session: ServerSession): void {
  for (const [id, e] of state.extensions) if (e.requireClient && !Object.hasOwn(session.extensions, id)) throw missingExtension(id);
}

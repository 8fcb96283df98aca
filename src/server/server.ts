/**
 * McpServer: the server framework. Register tools, resources, templates and prompts, then connect any
 * number of transports; each connection is a ServerSession sharing the server's registries and handlers.
 */
import { ErrorCode, ProtocolError, misuse } from "../protocol/errors.js";
import { negotiateVersion, downgradeResult } from "../protocol/versions.js";
import type { ProtocolVersion } from "../protocol/types.js";
import type {
  CallToolRequestParams,
  ClientCapabilities,
  CompleteRequestParams,
  GetPromptRequestParams,
  Implementation,
  InitializeRequestParams,
  InitializeResult,
  LoggingLevel,
  ServerCapabilities,
} from "../protocol/generated/schema-types.js";
import type { NotificationHandler, RequestContext, RequestHandler } from "../jsonrpc/session.js";
import { principalKey, type AuthInfo, type Transport } from "../jsonrpc/transport.js";
import { HandlerContext } from "./context.js";
import { DEFAULT_PAGE_SIZE, paginate } from "./pagination.js";
import { buildPromptEntry, getPrompt, type PromptConfig, type PromptEntry, type PromptHandler, type RegisteredPrompt } from "./prompts.js";
import {
  buildResourceEntry,
  buildTemplateEntry,
  resourceNotFound,
  toReadResult,
  type RegisteredResource,
  type ResourceConfig,
  type ResourceEntry,
  type ResourceHandler,
  type ResourceTemplateConfig,
  type ResourceTemplateHandler,
  type TemplateEntry,
} from "./resources.js";
import { ServerSession } from "./session.js";
import { buildToolEntry, callTool, type RegisteredTool, type ToolConfig, type ToolEntry, type ToolHandler } from "./tools.js";
import type { SchemaInput } from "../internal/schema.js";
import { TaskManager, recoverToolTasks, startToolTask, taskCaller, type TaskOptions } from "./tasks.js";

type Params = Record<string, unknown>;

/** ServerOptions configure an McpServer. Every field is optional. */
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
   * Tasks (SEP-1686): where they are stored and for how long. Tasks are on when this is set or when a tool
   * declares execution.taskSupport; the default store keeps them in memory.
   */
  tasks?: TaskOptions;
}

/** ConnectOptions configure one connection. */
export interface ConnectOptions {
  /** Skip the initialize handshake (stateless HTTP): the session starts initialized at this revision. */
  preinitialized?: { protocolVersion: ProtocolVersion; clientCapabilities?: ClientCapabilities; clientInfo?: Implementation };
}

const MAX_COMPLETION_VALUES = 100;

/** Methods that reach a scoped item (see scopesFor). */
const SCOPED_METHODS = new Set(["tools/call", "prompts/get", "resources/read", "resources/subscribe", "completion/complete", "tasks/get", "tasks/result", "tasks/cancel"]);

export class McpServer {
  readonly info: Implementation;
  readonly #options: ServerOptions;
  readonly #pageSize: number;
  readonly #tools = new Map<string, ToolEntry>();
  readonly #resources = new Map<string, ResourceEntry>();
  readonly #templates = new Map<string, TemplateEntry>();
  readonly #prompts = new Map<string, PromptEntry>();
  readonly #sessions = new Set<ServerSession>();
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #notificationHandlers = new Map<string, NotificationHandler>();
  #seq = 0;
  #pendingListChanged = new Set<string>();
  #tasks?: TaskManager;
  #recovered?: Promise<unknown>;

  /** Creates a server; `info` is what clients see as serverInfo (name and version are required). */
  constructor(info: Implementation, options: ServerOptions = {}) {
    if (typeof info?.name !== "string" || typeof info?.version !== "string") throw misuse('new McpServer: info must have string "name" and "version", as in { name: "my-server", version: "1.0.0" }');
    if (options.pageSize !== undefined && !(Number.isInteger(options.pageSize) && options.pageSize > 0)) throw misuse(`new McpServer: pageSize must be a positive integer; got ${options.pageSize}`);
    this.info = info;
    this.#options = options;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (options.tasks) this.#tasks = new TaskManager(options.tasks);
    this.#installHandlers();
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
  registerTool<S extends SchemaInput | undefined = undefined>(name: string, config: ToolConfig<S>, handler: ToolHandler<S>): RegisteredTool {
    if (this.#tools.has(name)) throw misuse(`registerTool ${JSON.stringify(name)}: a tool with this name is already registered; remove it first or pick another name`);
    const entry = buildToolEntry(++this.#seq, name, config as ToolConfig, handler as ToolHandler);
    if (entry.definition.execution?.taskSupport && entry.definition.execution.taskSupport !== "forbidden") this.#tasks ??= new TaskManager();
    return { name, remove: this.#add(this.#tools, name, entry, "tools") };
  }

  /** registerResource adds a resource at a fixed URI. */
  registerResource(uri: string, config: ResourceConfig, handler: ResourceHandler): RegisteredResource {
    if (this.#resources.has(uri)) throw misuse(`registerResource ${JSON.stringify(uri)}: a resource with this URI is already registered`);
    const entry = buildResourceEntry(++this.#seq, uri, config, handler);
    return { uri, remove: this.#add(this.#resources, uri, entry, "resources") };
  }

  /** registerResourceTemplate adds an RFC 6570 template; reads of matching URIs reach `handler` with the variables. */
  registerResourceTemplate(uriTemplate: string, config: ResourceTemplateConfig, handler: ResourceTemplateHandler): RegisteredResource {
    if (this.#templates.has(uriTemplate)) throw misuse(`registerResourceTemplate ${JSON.stringify(uriTemplate)}: this template is already registered`);
    const entry = buildTemplateEntry(++this.#seq, uriTemplate, config, handler);
    return { uri: uriTemplate, remove: this.#add(this.#templates, uriTemplate, entry, "resources") };
  }

  /** registerPrompt adds a prompt; required arguments are checked before `handler` runs. */
  registerPrompt(name: string, config: PromptConfig, handler: PromptHandler): RegisteredPrompt {
    if (this.#prompts.has(name)) throw misuse(`registerPrompt ${JSON.stringify(name)}: a prompt with this name is already registered`);
    const entry = buildPromptEntry(++this.#seq, name, config, handler);
    return { name, remove: this.#add(this.#prompts, name, entry, "prompts") };
  }

  /** Adds a validated entry, tells clients, and returns its remove function (a no-op once replaced or removed). */
  #add<T>(registry: Map<string, T>, key: string, entry: T, kind: "tools" | "resources" | "prompts"): () => void {
    registry.set(key, entry);
    this.#listChanged(kind);
    return () => {
      if (registry.get(key) === entry && registry.delete(key)) this.#listChanged(kind);
    };
  }

  // ---- connections -------------------------------------------------------------------------------

  /**
   * scopesFor is what a request needs: the scopes of the item whose code it would run or whose output it
   * would return — the tool of tools/call, the prompt of prompts/get, the resource or template of
   * resources/read and subscribe, the prompt or template a completion/complete refers to, and the tool of the
   * caller's own task for tasks/get, result and cancel. Empty for anything else. The HTTP transport checks them
   * before dispatch, so clients can step up on a 403; the server checks them again for any other transport
   * that authenticates.
   */
  scopesFor(method: string, params: Record<string, unknown>, authInfo?: AuthInfo): string[] | Promise<string[]> {
    switch (method) {
      case "tools/call":
        return this.#tools.get(params.name as string)?.scopes ?? [];
      case "prompts/get":
        return this.#prompts.get(params.name as string)?.scopes ?? [];
      case "resources/read":
      case "resources/subscribe":
        return this.#resourceScopes(params.uri as string);
      case "completion/complete": {
        const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
        if (ref?.type === "ref/prompt") return this.#prompts.get(ref.name as string)?.scopes ?? [];
        if (ref?.type === "ref/resource") return this.#templates.get(ref.uri as string)?.scopes ?? this.#resources.get(ref.uri as string)?.scopes ?? [];
        return [];
      }
      case "tasks/get":
      case "tasks/result":
      case "tasks/cancel":
        return this.#taskScopes(params.taskId, authInfo);
      default:
        return [];
    }
  }

  #resourceScopes(uri: string): string[] {
    const fixed = this.#resources.get(uri);
    if (fixed) return fixed.scopes;
    for (const t of this.#templates.values()) if (t.template.match(uri)) return t.scopes;
    return [];
  }

  /** The scopes of the tool behind one of the caller's tasks; another owner's task needs none (it is "not found" anyway). */
  async #taskScopes(taskId: unknown, authInfo: AuthInfo | undefined): Promise<string[]> {
    const principal = authInfo && principalKey(authInfo);
    if (!this.#tasks || typeof taskId !== "string" || !principal) return [];
    const task = await this.#tasks.store.get(`principal:${principal}`, taskId);
    return task?.method === "tools/call" ? (this.#tools.get(String(task.params.name))?.scopes ?? []) : [];
  }

  /** Lists hide what the caller may not use, unless configured to show it. */
  #visible<T extends { scopes: string[] }>(items: Iterable<T>, rpc: RequestContext): Iterable<T> {
    const granted = rpc.extra?.authInfo?.scopes;
    if (!granted || this.#options.unauthorizedItems === "show") return items;
    return [...items].filter((i) => i.scopes.every((s) => granted.includes(s)));
  }

  /** The task manager, when tasks are on. */
  get tasks(): TaskManager | undefined {
    return this.#tasks;
  }

  /**
   * recoverTasks settles tasks a previous process left unfinished (resumable tools run again, others are
   * marked failed). It runs once, at the first connect; call it yourself to run it earlier.
   */
  recoverTasks(): Promise<unknown> {
    return (this.#recovered ??= this.#tasks ? recoverToolTasks(this.#tasks, this.#tools) : Promise.resolve());
  }

  /** connect serves one connection over `transport` and returns its session. */
  connect(transport: Transport, options: ConnectOptions = {}): ServerSession {
    if (this.#tasks && !this.#recovered) void this.recoverTasks().catch((e: Error) => this.#options.onerror?.(e));
    const session = new ServerSession(transport, {
      handlers: this.#handlers,
      notificationHandlers: this.#notificationHandlers,
      timeoutMs: this.#options.timeoutMs,
      onerror: this.#options.onerror,
      preinitialized: options.preinitialized,
    });
    this.#sessions.add(session);
    session.onceClosed(() => this.#sessions.delete(session));
    return session;
  }

  /** notifyResourceUpdated tells every client subscribed to `uri` that it changed. */
  notifyResourceUpdated(uri: string): void {
    for (const s of this.#sessions) if (s.subscriptions?.has(uri)) s.notify("notifications/resources/updated", { uri });
  }

  /** log sends a log message to every connected client whose level lets it through. */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    for (const s of this.#sessions) s.log(level, data, logger);
  }

  /** close closes every session. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.close()));
    await this.#tasks?.close();
  }

  // ---- protocol handlers -------------------------------------------------------------------------

  #capabilities(): ServerCapabilities {
    const forced = this.#options.capabilities ?? {};
    const caps: ServerCapabilities = { logging: {}, completions: {}, ...forced };
    if (this.#tools.size || forced.tools) caps.tools = { listChanged: true, ...forced.tools };
    if (this.#resources.size || this.#templates.size || forced.resources) caps.resources = { subscribe: true, listChanged: true, ...forced.resources };
    if (this.#prompts.size || forced.prompts) caps.prompts = { listChanged: true, ...forced.prompts };
    if (this.#tasks) caps.tasks = { list: {}, cancel: {}, requests: { tools: { call: {} } }, ...forced.tasks };
    return caps;
  }

  /** Coalesces list_changed notifications: many registrations in one tick send one notification. */
  #listChanged(kind: "tools" | "resources" | "prompts"): void {
    if (this.#sessions.size === 0 || this.#pendingListChanged.has(kind)) return;
    this.#pendingListChanged.add(kind);
    queueMicrotask(() => {
      this.#pendingListChanged.delete(kind);
      for (const s of this.#sessions) if (s.initialized) s.notify(`notifications/${kind}/list_changed`);
    });
  }

  #on(method: string, fn: (params: Params, session: ServerSession, rpc: RequestContext) => unknown): void {
    this.#handlers.set(method, (params, rpc) => {
      const session = rpc.session as ServerSession;
      const auth = rpc.extra?.authInfo;
      if (auth && SCOPED_METHODS.has(method)) return this.#authorized(method, params, auth).then(() => this.#downgraded(method, fn(params, session, rpc), session));
      return this.#downgraded(method, fn(params, session, rpc), session);
    });
  }

  /**
   * The server's own check of per-item scopes, for transports that authenticate without checking them first
   * (Streamable HTTP answers 403 before dispatch, so this never fails there).
   */
  async #authorized(method: string, params: Params, auth: AuthInfo): Promise<void> {
    const missing = (await this.scopesFor(method, params, auth)).filter((s) => !auth.scopes.includes(s));
    if (missing.length) throw new ProtocolError(ErrorCode.InvalidRequest, `forbidden: "${method}" on this item needs the scope(s) ${missing.join(" ")}`, { requiredScopes: missing });
  }

  /** A result for an older client loses what its revision lacks. */
  #downgraded(method: string, out: unknown, session: ServerSession): unknown {
    if (session.protocolVersion === "2025-11-25") return out;
    return out instanceof Promise ? out.then((r) => downgradeResult(method, r as Params, session.protocolVersion)) : downgradeResult(method, out as Params, session.protocolVersion);
  }

  #installHandlers(): void {
    this.#on("initialize", (params, session) => {
      const p = params as unknown as InitializeRequestParams;
      session.protocolVersion = negotiateVersion(p.protocolVersion);
      session.clientCapabilities = p.capabilities ?? {};
      session.clientInfo = p.clientInfo;
      session.initialized = true;
      const result: InitializeResult = { protocolVersion: session.protocolVersion, capabilities: this.#capabilities(), serverInfo: this.info };
      if (this.#options.instructions !== undefined) result.instructions = this.#options.instructions;
      return result;
    });
    this.#notificationHandlers.set("notifications/initialized", () => {});
    this.#notificationHandlers.set("notifications/roots/list_changed", (_p, s) => this.#options.onRootsListChanged?.(s as ServerSession));

    this.#on("logging/setLevel", (params, session) => {
      session.logLevel = params.level as LoggingLevel;
      return {};
    });

    this.#on("tools/list", (params, _s, rpc) => {
      const { page, nextCursor } = paginate(this.#visible(this.#tools.values(), rpc), params.cursor, this.#pageSize);
      const tools = page.map((t) => t.definition);
      return nextCursor ? { tools, nextCursor } : { tools };
    });
    this.#on("tools/call", (params, session, rpc) => {
      const p = params as unknown as CallToolRequestParams;
      const tool = this.#tools.get(p.name);
      if (!tool) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown tool ${JSON.stringify(p.name)}; call tools/list for the available tools`);
      const support = tool.definition.execution?.taskSupport ?? "forbidden";
      // A server without tasks processes the call normally, ignoring "task" (tasks.mdx, "Capability Negotiation").
      if (p.task !== undefined && this.#tasks) {
        if (support === "forbidden") throw new ProtocolError(ErrorCode.MethodNotFound, `tool ${JSON.stringify(p.name)} cannot run as a task (execution.taskSupport is "forbidden"); call it without "task"`);
        return startToolTask(this.#tasks, tool, params, session, rpc);
      }
      if (support === "required") throw new ProtocolError(ErrorCode.MethodNotFound, `tool ${JSON.stringify(p.name)} must run as a task (execution.taskSupport is "required"); add "task": {} to the params`);
      return callTool(tool, p.arguments, new HandlerContext(rpc, session));
    });

    this.#on("resources/list", (params, _s, rpc) => {
      const { page, nextCursor } = paginate(this.#visible(this.#resources.values(), rpc), params.cursor, this.#pageSize);
      const resources = page.map((r) => r.definition);
      return nextCursor ? { resources, nextCursor } : { resources };
    });
    this.#on("resources/templates/list", (params, _s, rpc) => {
      const { page, nextCursor } = paginate(this.#visible(this.#templates.values(), rpc), params.cursor, this.#pageSize);
      const resourceTemplates = page.map((r) => r.definition);
      return nextCursor ? { resourceTemplates, nextCursor } : { resourceTemplates };
    });
    this.#on("resources/read", async (params, session, rpc) => {
      const uri = params.uri as string;
      const ctx = new HandlerContext(rpc, session);
      const fixed = this.#resources.get(uri);
      if (fixed) return toReadResult(uri, await fixed.handler(uri, ctx), fixed.definition.mimeType);
      for (const t of this.#templates.values()) {
        const vars = t.template.match(uri);
        if (vars) return toReadResult(uri, await t.handler(uri, vars, ctx), t.definition.mimeType);
      }
      throw resourceNotFound(uri);
    });
    this.#on("resources/subscribe", (params, session) => {
      (session.subscriptions ??= new Set()).add(params.uri as string);
      return {};
    });
    this.#on("resources/unsubscribe", (params, session) => {
      session.subscriptions?.delete(params.uri as string);
      return {};
    });

    this.#on("prompts/list", (params, _s, rpc) => {
      const { page, nextCursor } = paginate(this.#visible(this.#prompts.values(), rpc), params.cursor, this.#pageSize);
      const prompts = page.map((p) => p.definition);
      return nextCursor ? { prompts, nextCursor } : { prompts };
    });
    this.#on("prompts/get", (params, session, rpc) => {
      const p = params as unknown as GetPromptRequestParams;
      const entry = this.#prompts.get(p.name);
      if (!entry) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown prompt ${JSON.stringify(p.name)}; call prompts/list for the available prompts`);
      return getPrompt(entry, p.arguments, new HandlerContext(rpc, session));
    });

    const tasks = (fn: (t: TaskManager, params: Params, session: ServerSession, rpc: RequestContext) => unknown) => (params: Params, session: ServerSession, rpc: RequestContext) => {
      if (!this.#tasks) throw new ProtocolError(ErrorCode.MethodNotFound, "method not found: this server does not support tasks");
      return fn(this.#tasks, params, session, rpc);
    };
    this.#on("tasks/get", tasks((t, p, s, r) => t.get(taskCaller(s, r), p)));
    this.#on("tasks/result", tasks((t, p, s, r) => t.result(taskCaller(s, r), p, r)));
    this.#on("tasks/list", tasks((t, p, s, r) => t.list(taskCaller(s, r), p)));
    this.#on("tasks/cancel", tasks((t, p, s, r) => t.cancel(taskCaller(s, r), p)));

    this.#on("completion/complete", async (params) => {
      const p = params as unknown as CompleteRequestParams;
      let completer;
      if (p.ref.type === "ref/prompt") {
        const entry = this.#prompts.get(p.ref.name);
        if (!entry) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown prompt ${JSON.stringify(p.ref.name)}`);
        completer = entry.complete.get(p.argument.name);
      } else {
        const entry = this.#templates.get(p.ref.uri);
        if (!entry) {
          if (this.#resources.has(p.ref.uri)) return { completion: { values: [] } };
          throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown resource template ${JSON.stringify(p.ref.uri)}`);
        }
        completer = entry.complete?.[p.argument.name];
      }
      if (!completer) return { completion: { values: [] } };
      const all = await completer(p.argument.value, { arguments: p.context?.arguments });
      const values = all.slice(0, MAX_COMPLETION_VALUES);
      return { completion: { values, total: all.length, hasMore: all.length > values.length } };
    });
  }
}

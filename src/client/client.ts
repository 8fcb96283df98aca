/**
 * McpClient: the client library, on the same protocol and JSON-RPC layers as the server. Capabilities are
 * declared from the handlers that are set, and only those.
 */
import { ErrorCode, ProtocolError, TrellisError, misuse } from "../protocol/errors.js";
import { methodTables } from "../protocol/methods.js";
import { isSupportedVersion } from "../protocol/versions.js";
import { LATEST_PROTOCOL_VERSION } from "../protocol/types.js";
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteRequestParams,
  CompleteResult,
  ElicitRequestURLParams,
  GetPromptResult,
  Implementation,
  InitializeResult,
  ListPromptsResult,
  ListResourceTemplatesResult,
  ListResourcesResult,
  ListToolsResult,
  LoggingLevel,
  LoggingMessageNotificationParams,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Root,
  ServerCapabilities,
  Tool,
} from "../protocol/generated/schema-types.js";
import { Session, type RequestContext } from "../jsonrpc/session.js";
import { META, MODERN_PROTOCOL_VERSIONS, TASKS_EXTENSION, isModernVersion, ModernErrorCode } from "../protocol/modern.js";
import { olderServer } from "./fallback.js";
import type { Transport } from "../jsonrpc/transport.js";
import { checkStructuredContent, compileSchema, type CompiledSchema } from "../internal/schema.js";
import { TERMINAL_STATUSES } from "../protocol/tasks.js";
import { TaskHandle, TaskListeners, asTask, extensionTaskOps, sessionTaskOps, type TaskOps } from "./tasks.js";
import { Listens, type ListenFilter, type OpenListen } from "./listen.js";
import { paramHeaders, paramMarks } from "../protocol/param-headers.js";
import { ListCache, pages } from "./lists.js";
import { TaskManager } from "../tasks/manager.js";
import { clientCapabilities, serverRequestHandlers } from "./handlers.js";
import { ClientExtensions, type ClientExtension } from "./extension.js";
import type { ExtensionsCapability } from "../protocol/extensions.js";
import { UrlElicitationRequiredError, type CallOptions, type ClientOptions } from "./options.js";
import type { ClientRequests } from "../protocol/method-types.js";
import type { Task, ListTasksResult } from "../protocol/generated/schema-types.js";

type Params = Record<string, unknown>;

/** The most questions one input_required result or task may ask at once: each may become a prompt to a person. */
const MAX_INPUT_REQUESTS = 32;

/** How long "auto" waits for server/discover before it falls back to initialize. */
const DISCOVER_PROBE_MS = 10_000;

/**
 * plainResult: a complete 2026-07-28 result as a 2025-11-25 one reads — without `resultType` and the server's
 * identity in `_meta` (known since discover) — so code that reads results is the same for both. Caching hints stay.
 */
function plainResult(r: Params): Params {
  const { resultType: _, ...out } = r;
  const meta = out._meta as Params | undefined;
  if (meta && Object.hasOwn(meta, META.serverInfo)) {
    const { [META.serverInfo]: _info, ...rest } = meta;
    if (Object.keys(rest).length) out._meta = rest;
    else delete out._meta;
  }
  return out;
}

export class McpClient {
  readonly info: Implementation;
  readonly #opts: ClientOptions;
  #session?: Session;
  #init?: InitializeResult;
  #roots: Root[];
  readonly #cache = new ListCache();
  readonly #outputValidators = new Map<string, CompiledSchema | null>();
  readonly #taskListeners = new TaskListeners();
  readonly #receiver?: TaskManager;
  readonly #extensions = new ClientExtensions();
  /** Set when the server speaks 2026-07-28 with this client: every request carries this envelope in its _meta. */
  #modern?: { version: string; handlers: Map<string, (p: Params, ctx: RequestContext) => unknown> };
  /** 2026-07-28: each listed tool's x-mcp-header marks, for the Mcp-Param-* headers of its calls. */
  readonly #marks = new Map<string, ReturnType<typeof paramMarks>>();
  /** 2026-07-28: the level setLoggingLevel chose, sent in every request's _meta (there is no logging/setLevel). */
  #logLevel?: LoggingLevel;
  /** 2026-07-28: the listen requests, and the one that stands in for subscriptions and list changes. */
  #listens?: Listens;
  #taskOps?: TaskOps;

  constructor(info: Implementation, options: ClientOptions = {}) {
    if (typeof info?.name !== "string" || typeof info?.version !== "string")
      throw misuse('new McpClient: info must have string "name" and "version"');
    if (options.samplingTools && !options.sampling) throw misuse("new McpClient: samplingTools needs a sampling handler");
    this.info = info;
    this.#opts = options;
    this.#roots = options.roots ?? [];
    if (options.tasks) this.#receiver = new TaskManager(options.tasks);
  }

  /** The capabilities this client declares, derived from its handlers and the extensions in use. */
  get capabilities(): ClientCapabilities {
    const caps = clientCapabilities(this.#opts, this.#receiver !== undefined);
    const extensions = this.#extensions.declared;
    return extensions ? { ...caps, extensions } : caps;
  }

  /**
   * What a 2026-07-28 request declares: the same, plus the tasks extension (unless `acceptTasks: false`), since
   * callTool follows a task a server answers with to its end.
   */
  #modernCapabilities(): ClientCapabilities {
    const caps = this.capabilities;
    if (this.#opts.acceptTasks === false) return caps;
    return { ...caps, extensions: { ...caps.extensions, [TASKS_EXTENSION]: {} } };
  }

  /**
   * use turns an extension on (SEP-2133: off until the application opts in): the client declares it at initialize
   * and answers what its `setup` handles. It returns what `setup` returns, the extension's API. Call it before connect().
   */
  use<Api>(extension: ClientExtension<Api>): Api {
    return this.#extensions.use(extension, this, this.#session !== undefined && !this.#session.closed);
  }

  /** The extensions both sides declared, each with the server's settings (empty before connect). */
  get extensions(): Readonly<ExtensionsCapability> {
    return this.#extensions.negotiated;
  }

  get serverInfo(): Implementation | undefined {
    return this.#init?.serverInfo;
  }
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#init?.capabilities;
  }
  get protocolVersion(): string | undefined {
    return this.#init?.protocolVersion;
  }
  get instructions(): string | undefined {
    return this.#init?.instructions;
  }

  /**
   * connect starts `transport` and performs the initialize handshake. With `resume` (the InitializeResult of an
   * earlier connection) it skips the handshake instead: for a transport that rejoins a session the server still
   * holds (Streamable HTTP with `sessionId`), as a command-line tool does from one run to the next.
   */
  async connect(transport: Transport, options: { resume?: InitializeResult } = {}): Promise<InitializeResult> {
    if (this.#session && !this.#session.closed) throw misuse("McpClient.connect: already connected; close() first");
    const o = this.#opts;
    const handlers = serverRequestHandlers(o, () => this.#roots, this.#receiver);
    this.#extensions.addHandlers(handlers);
    const tables = methodTables(LATEST_PROTOCOL_VERSION);
    const session = new Session(transport, {
      incoming: tables.serverRequests,
      outgoing: tables.clientRequests,
      notifications: tables.notifications,
      handlers,
      timeoutMs: o.timeoutMs,
      onerror: o.onerror,
    });
    this.#session = session;
    session.setNotificationHandler("notifications/message", (p) => o.onLog?.(p as unknown as LoggingMessageNotificationParams));
    session.setNotificationHandler("notifications/resources/updated", (p) => o.onResourceUpdated?.(p.uri as string));
    session.setNotificationHandler("notifications/elicitation/complete", (p) => o.onElicitationComplete?.(p.elicitationId as string));
    session.setNotificationHandler("notifications/tasks/status", (p) => {
      this.#taskListeners.emit(p as unknown as Task);
    });
    for (const [name, handler] of this.#extensions.notificationHandlers()) session.setNotificationHandler(name, handler);
    for (const kind of ["tools", "resources", "prompts"] as const) {
      session.setNotificationHandler(`notifications/${kind}/list_changed`, () => {
        this.#cache.changed(kind);
        if (kind === "tools") this.#outputValidators.clear();
        o.onListChanged?.(kind);
      });
    }
    this.#modern = undefined;
    this.#taskOps = undefined;
    this.#logLevel = undefined;
    this.#listens?.close();
    this.#listens = new Listens(
      () => this.#rpc(),
      () => this.#envelope(this.#modern!.version),
      o.onerror,
    );
    session.setNotificationHandler("notifications/subscriptions/acknowledged", (p) => this.#listens?.acknowledged(p));
    if (options.resume) {
      this.#init = options.resume;
      this.#extensions.negotiate(options.resume.capabilities);
      if (isModernVersion(options.resume.protocolVersion)) {
        this.#modern = { version: options.resume.protocolVersion, handlers };
        void this.#followLists();
      }
      return options.resume;
    }
    const wanted = o.protocolVersion ?? "auto";
    if (wanted === "auto" || isModernVersion(wanted)) {
      // In auto mode a server that does not answer server/discover soon (an older one that ignores what comes before
      // initialize) is asked to initialize instead.
      const probeMs =
        wanted === "auto" && !transport.answersEveryRequest ? Math.min(o.timeoutMs ?? DISCOVER_PROBE_MS, DISCOVER_PROBE_MS) : undefined;
      const found = await this.#discover(session, handlers, probeMs).catch(async (err: Error) => {
        if (wanted !== "auto" || !olderServer(err)) {
          await session.close();
          throw err;
        }
        return undefined;
      });
      if (found) {
        // Not waited for: a server slow to acknowledge must not hold up connect (the listen retries on its own).
        void this.#followLists();
        return found;
      }
    }
    const offered = wanted === "auto" ? LATEST_PROTOCOL_VERSION : wanted;
    let init: InitializeResult;
    try {
      init = (await session.request("initialize", {
        protocolVersion: offered,
        capabilities: this.capabilities,
        clientInfo: this.info,
      })) as unknown as InitializeResult;
    } catch (err) {
      await session.close();
      throw err;
    }
    if (!isSupportedVersion(init.protocolVersion)) {
      await session.close();
      throw new TrellisError(
        "INVALID_MESSAGE",
        `server answered with protocol version ${JSON.stringify(init.protocolVersion)}, which this client does not speak (2025-11-25, 2025-06-18, 2025-03-26)`,
      );
    }
    this.#init = init;
    this.#extensions.negotiate(init.capabilities);
    session.notify("notifications/initialized");
    return init;
  }

  /**
   * discover asks the server for 2026-07-28 (server/discover). A -32022 naming a revision both speak is asked again
   * at that one; anything else that is not a discover result means an older server (undefined, or thrown).
   */
  async #discover(
    session: Session,
    handlers: Map<string, (p: Params, ctx: RequestContext) => unknown>,
    probeMs: number | undefined,
  ): Promise<InitializeResult | undefined> {
    let version: string = MODERN_PROTOCOL_VERSIONS[0];
    for (let attempt = 0; attempt < 2; attempt++) {
      let d: Params;
      try {
        d = await session.request("server/discover", { _meta: this.#envelope(version) }, { timeoutMs: probeMs });
      } catch (err) {
        const supported = (err as ProtocolError).data as { supported?: unknown } | undefined;
        const again = Array.isArray(supported?.supported) ? (supported.supported as unknown[]).find(isModernVersion) : undefined;
        if (err instanceof ProtocolError && err.code === ModernErrorCode.UnsupportedProtocolVersion && again && attempt === 0) {
          version = again;
          continue;
        }
        throw err;
      }
      const versions = Array.isArray(d.supportedVersions) ? (d.supportedVersions as unknown[]) : [];
      if (!versions.includes(version)) {
        const other = versions.find(isModernVersion);
        if (other && attempt === 0) {
          version = other;
          continue;
        }
        throw new TrellisError("INVALID_MESSAGE", `server/discover answered without ${version} in supportedVersions`);
      }
      const serverInfo = ((d._meta as Params | undefined)?.[META.serverInfo] as Implementation | undefined) ?? {
        name: "unknown",
        version: "",
      };
      const init: InitializeResult = { protocolVersion: version, capabilities: (d.capabilities as ServerCapabilities) ?? {}, serverInfo };
      if (typeof d.instructions === "string") init.instructions = d.instructions;
      this.#modern = { version, handlers };
      this.#init = init;
      this.#extensions.negotiate(init.capabilities);
      return init;
    }
    return undefined;
  }

  /** The _meta every 2026-07-28 request carries: the revision, this client's capabilities and identity. */
  #envelope(version: string): Params {
    const meta: Params = {
      [META.protocolVersion]: version,
      [META.clientCapabilities]: this.#modernCapabilities(),
      [META.clientInfo]: this.info,
    };
    if (this.#logLevel) meta[META.logLevel] = this.#logLevel;
    return meta;
  }

  /** 2026-07-28 with onListChanged set: a listen for the lists the server says change, as a 2025 session has. */
  async #followLists(): Promise<void> {
    if (!this.#opts.onListChanged) return;
    const caps = this.serverCapabilities;
    const lists: ListenFilter = {};
    if (caps?.tools?.listChanged) lists.toolsListChanged = true;
    if (caps?.prompts?.listChanged) lists.promptsListChanged = true;
    if (caps?.resources?.listChanged) lists.resourcesListChanged = true;
    await this.#listens!.follow(lists).catch((e: Error) => this.#opts.onerror?.(e));
  }

  /**
   * A 2026-07-28 request: the envelope in its _meta, and while the server answers `input_required`, the questions
   * answered by the same handlers that answer a 2025-11-25 server's requests, then the request sent again (a new id,
   * the answers in `inputResponses`, `requestState` as received) — at most 10 rounds.
   */
  async #modernRequest(method: string, params: Params | undefined, options: CallOptions | undefined): Promise<Params> {
    const m = this.#modern!;
    const base: Params = { ...params };
    // The rounds' own fields are this loop's to set; tasks/update is the one method whose params carry answers.
    if (method !== "tasks/update") {
      delete base.inputResponses;
      delete base.requestState;
    }
    base._meta = { ...this.#envelope(m.version), ...(params?._meta as Params | undefined) };
    let send = base;
    for (let round = 0; ; round++) {
      const r = await this.#rpc().request(method, send, { ...options, inputRounds: true } as CallOptions);
      const type = r.resultType;
      if (type === "task" && method === "tools/call") return r;
      if (type === undefined || type === "complete") return plainResult(r);
      if (type !== "input_required")
        throw new TrellisError("INVALID_MESSAGE", `"${method}" answered with an unknown resultType ${JSON.stringify(type)}`);
      if (round >= 10) throw new TrellisError("REQUEST_FAILED", `"${method}" still needed input after 10 rounds; giving up`);
      if (r.inputRequests === undefined && r.requestState === undefined)
        throw new TrellisError("INVALID_MESSAGE", `"${method}" answered input_required with neither inputRequests nor requestState`);
      const answers = await this.#answer((r.inputRequests ?? {}) as Params, options?.signal);
      send = { ...base };
      if (Object.keys(answers).length) send.inputResponses = answers;
      if (r.requestState !== undefined) send.requestState = r.requestState;
    }
  }

  /** The answers to a server's questions (input_required, or a task's inputRequests), by the same handlers. */
  async #answer(asks: Params, signal?: AbortSignal): Promise<Params> {
    const handlers = this.#modern!.handlers;
    const count = Object.keys(asks).length;
    if (count > MAX_INPUT_REQUESTS)
      throw new TrellisError(
        "INVALID_MESSAGE",
        `the server asks ${count} questions at once; this client answers at most ${MAX_INPUT_REQUESTS} (a person would have to answer each)`,
      );
    const answers: Params = {};
    await Promise.all(
      Object.entries(asks as Record<string, { method?: unknown; params?: Params }>).map(async ([key, ask]) => {
        const handler = typeof ask?.method === "string" ? handlers.get(ask.method) : undefined;
        if (!handler)
          throw new TrellisError("CAPABILITY_MISSING", `the server asks "${String(ask?.method)}", which this client does not answer`);
        answers[key] = await handler(ask.params ?? {}, this.#askContext(ask.method as string, signal));
      }),
    );
    return answers;
  }

  /** How task handles reach their tasks on this connection. */
  #tasksOps(): TaskOps {
    const request = (method: string, params: Params, options?: CallOptions) => this.request(method, params, options);
    if (!this.#modern) return sessionTaskOps(request);
    this.#taskOps ??= extensionTaskOps(request, (asks) => this.#answer(asks), this.#opts.onerror);
    return this.#taskOps;
  }

  /** What a handler for a server's question gets when the question came in an input_required result. */
  #askContext(method: string, signal?: AbortSignal): RequestContext {
    const session = this.#rpc();
    return {
      id: `input-${crypto.randomUUID()}`,
      method,
      signal: signal ?? new AbortController().signal,
      session,
      notify: () => {},
      request: () => Promise.reject(new TrellisError("REQUEST_FAILED", "an answer to an input request cannot send requests")),
    };
  }

  #rpc(): Session {
    if (!this.#session || this.#session.closed) throw new TrellisError("NOT_CONNECTED", "McpClient: not connected; call connect() first");
    return this.#session;
  }

  /**
   * request sends a request. For a method of the protocol its params are checked and its result typed from
   * ClientRequests (no cast needed); any other method takes and returns plain objects.
   */
  request<M extends keyof ClientRequests>(
    method: M,
    params?: ClientRequests[M]["params"],
    options?: CallOptions,
  ): Promise<ClientRequests[M]["result"]>;
  request(method: string, params?: Params, options?: CallOptions): Promise<Params>;
  async request(method: string, params?: object, options?: CallOptions): Promise<unknown> {
    if (this.#modern) return this.#modernRequest(method, params as Params | undefined, options);
    return this.#rpc().request(method, params as Params | undefined, options);
  }

  /** ping checks the server answers. 2026-07-28 has no ping: server/discover, which every server answers, stands in. */
  async ping(options?: CallOptions): Promise<Params> {
    if (this.#modern) {
      await this.request("server/discover", undefined, options);
      return {};
    }
    return this.request("ping", undefined, options);
  }

  // ---- tools -----------------------------------------------------------------------------------

  async listTools(cursor?: string, options?: CallOptions): Promise<ListToolsResult> {
    const r = await this.request("tools/list", cursor === undefined ? undefined : { cursor }, options);
    for (const t of r.tools) this.#outputValidators.delete(t.name);
    return this.#modern ? { ...r, tools: r.tools.filter((t) => this.#keepTool(t)) } : r;
  }

  /** tools iterates over every tool, page by page. */
  async *tools(options?: CallOptions, hints?: { ttlMs?: number }): AsyncGenerator<Tool> {
    for await (const t of this.#pages<Tool>("tools/list", "tools", options, hints)) {
      this.#outputValidators.delete(t.name);
      if (!this.#modern || this.#keepTool(t)) yield t;
    }
  }

  /**
   * 2026-07-28: a tool whose x-mcp-header marks are invalid is left out of the list (it could not be called with
   * headers a gateway can trust), with a warning through onerror; the marks of the others are kept for their calls.
   */
  #keepTool(t: Tool): boolean {
    const marks = paramMarks(t);
    if (typeof marks === "string") {
      this.#opts.onerror?.(new TrellisError("INVALID_MESSAGE", `tool ${JSON.stringify(t.name)} left out: ${marks}`));
      this.#marks.delete(t.name);
      return false;
    }
    this.#marks.set(t.name, marks);
    return true;
  }

  /** listAllTools returns every tool, from the cache when it is fresh (it is dropped on tools/list_changed). */
  listAllTools(options?: CallOptions): Promise<Tool[]> {
    return this.#cache.all("tools", (hints) => this.tools(options, hints));
  }

  /** Walks every page of a list method. */
  #pages<T>(method: string, key: string, options?: CallOptions, hints?: { ttlMs?: number }): AsyncGenerator<T> {
    return pages<T>((params) => this.request(method, params, options), key, hints);
  }

  /**
   * callTool calls a tool. When the tool's definition is known (listAllTools was called), its
   * structuredContent is checked against its outputSchema. A -32042 error becomes UrlElicitationRequiredError.
   */
  async callTool(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = (await this.#sendToolCall(name, args, options)) as unknown as CallToolResult;
      if ((result as Params).resultType === "task") result = await this.#followTask(result as Params, options);
    } catch (err) {
      if (err instanceof ProtocolError && err.code === ErrorCode.UrlElicitationRequired) {
        const els = ((err.data as { elicitations?: ElicitRequestURLParams[] } | undefined)?.elicitations ?? []).filter(
          (e) => typeof e?.url === "string",
        );
        throw new UrlElicitationRequiredError(err.message, els);
      }
      throw err;
    }
    await this.#checkOutput(name, result);
    return result;
  }

  /** tools/call as sent: at 2026-07-28 with the Mcp-Param-* headers the tool's x-mcp-header marks ask for. */
  #sendToolCall(name: string, args: Record<string, unknown> | undefined, options: CallOptions | undefined): Promise<Params> {
    const marks = this.#modern ? this.#marks.get(name) : undefined;
    const headers = marks && typeof marks !== "string" && marks.length ? paramHeaders(marks, args) : undefined;
    return this.request(
      "tools/call",
      args === undefined ? { name } : { name, arguments: args },
      headers ? ({ ...options, headers } as CallOptions) : options,
    );
  }

  /** structuredContent against the tool's outputSchema, once the tool's definition is known. */
  async #checkOutput(name: string, result: CallToolResult): Promise<void> {
    const validator = this.#outputValidator(name);
    const problem = validator && (await checkStructuredContent(validator, result, name));
    if (problem) throw new TrellisError("INVALID_MESSAGE", problem);
  }

  /**
   * A 2026-07-28 server made a tools/call a task: wait for its outcome as the call would have given it (polling
   * tasks/get, answering its questions). The call's timeout (default the client's) bounds the wait; running out,
   * or the caller's abort, cancels the task.
   */
  async #followTask(created: Params, options: CallOptions | undefined): Promise<CallToolResult> {
    const ops = this.#tasksOps();
    const handle = new TaskHandle<CallToolResult>(asTask(created), ops, () => () => {});
    const limit = options?.timeoutMs ?? this.#opts.timeoutMs ?? 60_000;
    const stop = new AbortController();
    const timer = limit === Infinity ? undefined : setTimeout(() => stop.abort("timed out"), limit);
    const onAbort = () => stop.abort("cancelled");
    if (options?.signal?.aborted) onAbort();
    else options?.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await handle.result({ ...options, signal: stop.signal });
    } catch (err) {
      // Whatever ended the wait (a timeout, the caller, a question this client could not answer, a lost poll), a task
      // nobody waits for any more is stopped rather than left holding its questions until its ttl.
      if (!TERMINAL_STATUSES.has(handle.last.status)) handle.cancel().catch(() => {});
      if (!stop.signal.aborted) throw err;
      if (stop.signal.reason === "timed out")
        throw new TrellisError(
          "REQUEST_TIMEOUT",
          `tools/call became task ${handle.taskId}, which did not finish within ${limit} ms; it was cancelled`,
        );
      throw err;
    } finally {
      clearTimeout(timer);
      options?.signal?.removeEventListener("abort", onAbort);
      ops.forget?.(handle.taskId);
    }
  }

  /**
   * callToolAsTask calls a tool as a task: the server answers at once and runs it in the background. The handle
   * reads status, waits for the result, cancels, and follows updates. At 2025-11-25 (tasks.mdx) it needs the
   * server's tasks.requests.tools.call capability and a tool whose execution.taskSupport is not "forbidden". At
   * 2026-07-28 it needs the server's io.modelcontextprotocol/tasks extension, and the server decides: when it
   * answers at once, the handle is `immediate` (already completed, with no task on the server).
   */
  async callToolAsTask(
    name: string,
    args?: Record<string, unknown>,
    options: CallOptions & { ttlMs?: number } = {},
  ): Promise<TaskHandle<CallToolResult>> {
    if (this.#modern) return this.#callToolAsModernTask(name, args, options);
    const caps = this.serverCapabilities?.tasks as { requests?: { tools?: { call?: object } } } | undefined;
    if (!caps?.requests?.tools?.call)
      throw new TrellisError("CAPABILITY_MISSING", 'the server did not declare "tasks.requests.tools.call"; call the tool with callTool');
    const { ttlMs, ...rest } = options;
    const params: Params = { name, task: ttlMs === undefined ? {} : { ttl: ttlMs } };
    if (args !== undefined) params.arguments = args;
    const r = (await this.request("tools/call", params, rest)) as { task?: Task };
    if (!r.task || typeof r.task.taskId !== "string")
      throw new TrellisError(
        "INVALID_MESSAGE",
        `tools/call with "task" did not return a CreateTaskResult; the server ran it as a plain call`,
      );
    return new TaskHandle<CallToolResult>(r.task, this.#tasksOps(), (id, fn) => this.#taskListeners.listen(id, fn));
  }

  async #callToolAsModernTask(
    name: string,
    args: Record<string, unknown> | undefined,
    options: CallOptions & { ttlMs?: number },
  ): Promise<TaskHandle<CallToolResult>> {
    const declared = this.serverCapabilities?.extensions;
    if (!declared || !Object.hasOwn(declared, TASKS_EXTENSION) || this.#opts.acceptTasks === false)
      throw new TrellisError(
        "CAPABILITY_MISSING",
        this.#opts.acceptTasks === false
          ? "this client was created with acceptTasks: false, so a 2026-07-28 server cannot make the call a task"
          : `the server did not declare the "${TASKS_EXTENSION}" extension; call the tool with callTool`,
      );
    // The extension has no per-request ttl: the server picks it (ttlMs is for 2025-11-25).
    const { ttlMs: _ttl, ...rest } = options;
    const r = await this.#sendToolCall(name, args, rest);
    if (r.resultType === "task") return new TaskHandle<CallToolResult>(asTask(r), this.#tasksOps(), () => () => {});
    await this.#checkOutput(name, r as unknown as CallToolResult);
    const now = new Date().toISOString();
    const done: Task = { taskId: "", status: "completed", createdAt: now, lastUpdatedAt: now, ttl: null };
    return new TaskHandle<CallToolResult>(done, this.#tasksOps(), () => () => {}, r as CallToolResult);
  }

  /**
   * task follows a task this client started earlier, by its id (kept across a restart, as the tasks extension
   * advises): its current status is read first, so an unknown id fails here.
   */
  async task(taskId: string, options?: CallOptions): Promise<TaskHandle<CallToolResult>> {
    const ops = this.#tasksOps();
    const { full: _, ...t } = (await ops.get(taskId, options)) as Task & { full?: unknown };
    return new TaskHandle<CallToolResult>(t, ops, this.#modern ? () => () => {} : (id, fn) => this.#taskListeners.listen(id, fn));
  }

  /** listTasks returns one page of this client's tasks on the server (2025-11-25 only). */
  listTasks(cursor?: string, options?: CallOptions): Promise<ListTasksResult> {
    this.#noTaskList();
    return this.request("tasks/list", cursor === undefined ? undefined : { cursor }, options);
  }

  /** tasks iterates over every task of this client on the server (2025-11-25 only). */
  tasks(options?: CallOptions): AsyncGenerator<Task> {
    this.#noTaskList();
    return this.#pages<Task>("tasks/list", "tasks", options);
  }

  #noTaskList(): void {
    if (this.#modern)
      throw new TrellisError(
        "CAPABILITY_MISSING",
        "listing tasks is not part of 2026-07-28 (its tasks extension has no tasks/list): keep the ids of the tasks you start; client.task(id) follows one again",
      );
  }

  #outputValidator(name: string): CompiledSchema | undefined {
    if (this.#outputValidators.has(name)) return this.#outputValidators.get(name) ?? undefined;
    const tool = this.#cache.get("tools")?.find((t) => t.name === name);
    if (!tool) return undefined;
    let v: CompiledSchema | null = null;
    if (tool.outputSchema) {
      try {
        v = compileSchema(tool.outputSchema as Record<string, unknown>, `tool "${name}": outputSchema`);
      } catch (err) {
        this.#opts.onerror?.(err as Error);
      }
    }
    this.#outputValidators.set(name, v);
    return v ?? undefined;
  }

  // ---- resources -------------------------------------------------------------------------------

  listResources(cursor?: string, options?: CallOptions): Promise<ListResourcesResult> {
    return this.request("resources/list", cursor === undefined ? undefined : { cursor }, options);
  }
  resources(options?: CallOptions, hints?: { ttlMs?: number }): AsyncGenerator<Resource> {
    return this.#pages<Resource>("resources/list", "resources", options, hints);
  }
  listAllResources(options?: CallOptions): Promise<Resource[]> {
    return this.#cache.all("resources", (hints) => this.resources(options, hints));
  }
  listResourceTemplates(cursor?: string, options?: CallOptions): Promise<ListResourceTemplatesResult> {
    return this.request("resources/templates/list", cursor === undefined ? undefined : { cursor }, options);
  }
  resourceTemplates(options?: CallOptions, hints?: { ttlMs?: number }): AsyncGenerator<ResourceTemplate> {
    return this.#pages<ResourceTemplate>("resources/templates/list", "resourceTemplates", options, hints);
  }
  listAllResourceTemplates(options?: CallOptions): Promise<ResourceTemplate[]> {
    return this.#cache.all("templates", (hints) => this.resourceTemplates(options, hints));
  }
  readResource(uri: string, options?: CallOptions): Promise<ReadResourceResult> {
    return this.request("resources/read", { uri }, options);
  }
  /**
   * subscribeResource: onResourceUpdated hears of the resource's changes. At 2026-07-28, which has no
   * resources/subscribe, the client keeps a listen following the subscribed resources (opened again with each change).
   */
  async subscribeResource(uri: string, options?: CallOptions): Promise<void> {
    if (this.#modern) return this.#rpc() && this.#listens!.subscribe(uri);
    await this.request("resources/subscribe", { uri }, options);
  }
  async unsubscribeResource(uri: string, options?: CallOptions): Promise<void> {
    if (this.#modern) return this.#rpc() && this.#listens!.unsubscribe(uri);
    await this.request("resources/unsubscribe", { uri }, options);
  }

  // ---- prompts, completion, logging ------------------------------------------------------------

  listPrompts(cursor?: string, options?: CallOptions): Promise<ListPromptsResult> {
    return this.request("prompts/list", cursor === undefined ? undefined : { cursor }, options);
  }
  prompts(options?: CallOptions, hints?: { ttlMs?: number }): AsyncGenerator<Prompt> {
    return this.#pages<Prompt>("prompts/list", "prompts", options, hints);
  }
  listAllPrompts(options?: CallOptions): Promise<Prompt[]> {
    return this.#cache.all("prompts", (hints) => this.prompts(options, hints));
  }
  getPrompt(name: string, args?: Record<string, string>, options?: CallOptions): Promise<GetPromptResult> {
    return this.request("prompts/get", args === undefined ? { name } : { name, arguments: args }, options);
  }
  complete(params: CompleteRequestParams, options?: CallOptions): Promise<CompleteResult> {
    return this.request("completion/complete", params, options);
  }
  /**
   * setLoggingLevel: the least severe log messages the server should send. At 2026-07-28 the level travels in every
   * later request's _meta (without one a server sends none), so there is nothing to send now.
   */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    if (this.#modern) {
      this.#rpc();
      this.#logLevel = level;
      return;
    }
    await this.request("logging/setLevel", { level }, options);
  }

  /**
   * listen (2026-07-28) opens `subscriptions/listen`: the server acknowledges what it will send (resolved here), then
   * list changes arrive through onListChanged (and refresh the list caches) and resource updates through
   * onResourceUpdated, until `close()`. Several may be open at once. On a 2025-11-25 connection these arrive on the
   * session without asking, and subscribeResource covers resources either way.
   */
  async listen(filter: ListenFilter): Promise<OpenListen> {
    if (!this.#modern)
      throw new TrellisError(
        "CAPABILITY_MISSING",
        `listen is a 2026-07-28 request; this connection speaks ${this.protocolVersion ?? "nothing yet"}`,
      );
    return this.#listens!.open(filter);
  }

  // ---- roots -----------------------------------------------------------------------------------

  /** setRoots replaces the client's roots and tells the server they changed. */
  setRoots(roots: Root[]): void {
    if (!this.#opts.roots)
      throw misuse(
        "McpClient.setRoots: the client was created without roots, so it did not declare the capability; pass roots: [] to the constructor",
      );
    this.#roots = roots;
    // 2026-07-28 has no such notification: the server asks for roots with each request that needs them.
    if (this.#session && !this.#session.closed && this.#init && !this.#modern) this.#session.notify("notifications/roots/list_changed");
  }

  /** close ends the connection (and, over Streamable HTTP, the session). */
  async close(): Promise<void> {
    this.#listens?.close();
    await this.#session?.close();
    await this.#receiver?.close();
  }
}

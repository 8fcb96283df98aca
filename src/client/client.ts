/**
 * McpClient: the client library, on the same protocol and JSON-RPC layers as the server. Capabilities are
 * declared from the handlers that are set, and only those.
 */
import { ErrorCode, ProtocolError, TrellisError, misuse } from "../protocol/errors.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../protocol/methods.js";
import { isSupportedVersion } from "../protocol/versions.js";
import { LATEST_PROTOCOL_VERSION } from "../protocol/types.js";
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteRequestParams,
  CompleteResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
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
import { Session, type RequestOptions, type RequestHandler } from "../jsonrpc/session.js";
import type { Transport } from "../jsonrpc/transport.js";
import { checkStructuredContent, compileSchema, type CompiledSchema } from "../internal/schema.js";
import { checkFormResult, domainOf } from "./elicitation.js";
import { checkToolMessages } from "./sampling.js";
import { TaskHandle } from "./tasks.js";
import { TaskManager, toWireTask, type TaskOptions } from "../tasks/manager.js";
import type { Task, ListTasksResult } from "../protocol/generated/schema-types.js";

type Params = Record<string, unknown>;

/** The lists McpClient caches until the server says they changed. */
interface ListCache {
  tools: Tool[];
  resources: Resource[];
  templates: ResourceTemplate[];
  prompts: Prompt[];
}

/** What a handler for server requests gets besides the params. */
export interface ClientHandlerContext {
  /** Aborted when the server cancels the request. */
  signal: AbortSignal;
}

export type SamplingHandler = (
  params: CreateMessageRequestParams,
  ctx: ClientHandlerContext,
) => Promise<CreateMessageResult> | CreateMessageResult;
export type FormElicitationHandler = (params: ElicitRequestFormParams, ctx: ClientHandlerContext) => Promise<ElicitResult> | ElicitResult;
/** A URL elicitation as shown to the user: the handler asks for consent and opens nothing by itself. */
export interface UrlElicitation {
  url: string;
  /** The host the URL leads to: show it prominently in the consent prompt. */
  domain: string;
  message: string;
  elicitationId: string;
}
export type UrlElicitationHandler = (request: UrlElicitation, ctx: ClientHandlerContext) => Promise<ElicitResult> | ElicitResult;

/** ClientOptions configure an McpClient. Every field is optional. */
export interface ClientOptions {
  /** Answers sampling/createMessage. Declares the "sampling" capability. */
  sampling?: SamplingHandler;
  /** The sampling handler understands `tools` / `toolChoice` (SEP-1577). Default false. */
  samplingTools?: boolean;
  /** Answers form-mode elicitation (declares "elicitation.form"). Accepted content gets SEP-1034 defaults and is checked against the schema. */
  elicitForm?: FormElicitationHandler;
  /** Answers URL-mode elicitation (declares "elicitation.url"). */
  elicitUrl?: UrlElicitationHandler;
  /** The client's roots (declares "roots" with listChanged). Change them with setRoots. */
  roots?: Root[];
  /** Default request timeout. Default 60 000 ms. */
  timeoutMs?: number;
  /**
   * Receive task-augmented sampling and elicitation requests (tasks.mdx): the client answers CreateTaskResult
   * at once, runs the handler in the background, and serves tasks/get, tasks/result, tasks/list and
   * tasks/cancel. Declares the matching "tasks" capabilities. Default: off.
   */
  tasks?: TaskOptions;
  /** The revision to offer. Default 2025-11-25. */
  protocolVersion?: string;
  onLog?: (params: LoggingMessageNotificationParams) => void;
  onResourceUpdated?: (uri: string) => void;
  onListChanged?: (kind: "tools" | "resources" | "prompts") => void;
  onElicitationComplete?: (elicitationId: string) => void;
  /** Receives errors with no caller: a bad message from the server, a transport fault. */
  onerror?: (error: Error) => void;
}

/** CallToolOptions tune one tool call. */
export type CallOptions = Pick<
  RequestOptions,
  "signal" | "timeoutMs" | "onprogress" | "resetTimeoutOnProgress" | "maxTotalTimeoutMs" | "meta"
>;

/** UrlElicitationRequiredError is a -32042 error: the server needs these URL elicitations completed first. */
export class UrlElicitationRequiredError extends ProtocolError {
  readonly elicitations: ElicitRequestURLParams[];
  constructor(message: string, elicitations: ElicitRequestURLParams[]) {
    super(ErrorCode.UrlElicitationRequired, message, { elicitations });
    this.name = "UrlElicitationRequiredError";
    this.elicitations = elicitations;
  }
}

export class McpClient {
  readonly info: Implementation;
  readonly #opts: ClientOptions;
  #session?: Session;
  #init?: InitializeResult;
  #roots: Root[];
  readonly #cache: Partial<ListCache> = {};
  readonly #outputValidators = new Map<string, CompiledSchema | null>();
  readonly #taskListeners = new Map<string, Set<(t: Task) => void>>();
  readonly #receiver?: TaskManager;

  constructor(info: Implementation, options: ClientOptions = {}) {
    if (typeof info?.name !== "string" || typeof info?.version !== "string")
      throw misuse('new McpClient: info must have string "name" and "version"');
    if (options.samplingTools && !options.sampling) throw misuse("new McpClient: samplingTools needs a sampling handler");
    this.info = info;
    this.#opts = options;
    this.#roots = options.roots ?? [];
    if (options.tasks) this.#receiver = new TaskManager(options.tasks);
  }

  /** The capabilities this client declares, derived from its handlers. */
  get capabilities(): ClientCapabilities {
    const caps: ClientCapabilities = {};
    if (this.#opts.sampling) caps.sampling = this.#opts.samplingTools ? { tools: {} } : {};
    if (this.#opts.elicitForm || this.#opts.elicitUrl)
      caps.elicitation = { ...(this.#opts.elicitForm ? { form: {} } : {}), ...(this.#opts.elicitUrl ? { url: {} } : {}) };
    if (this.#opts.roots) caps.roots = { listChanged: true };
    if (this.#receiver && (this.#opts.sampling || this.#opts.elicitForm || this.#opts.elicitUrl)) {
      caps.tasks = {
        list: {},
        cancel: {},
        requests: {
          ...(this.#opts.sampling ? { sampling: { createMessage: {} } } : {}),
          ...(this.#opts.elicitForm || this.#opts.elicitUrl ? { elicitation: { create: {} } } : {}),
        },
      };
    }
    return caps;
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

  /** connect starts `transport` and performs the initialize handshake. */
  async connect(transport: Transport): Promise<InitializeResult> {
    if (this.#session && !this.#session.closed) throw misuse("McpClient.connect: already connected; close() first");
    const handlers = new Map<string, RequestHandler>();
    const o = this.#opts;
    if (o.sampling) {
      handlers.set("sampling/createMessage", async (p, ctx) => {
        const params = p as unknown as CreateMessageRequestParams;
        if ((params.tools || params.toolChoice) && !o.samplingTools)
          throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: this client did not declare "sampling.tools"');
        const problem = checkToolMessages(params);
        if (problem) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: ${problem}`);
        return o.sampling!(params, { signal: ctx.signal });
      });
    }
    if (o.elicitForm || o.elicitUrl) {
      handlers.set("elicitation/create", async (p, ctx) => {
        if (p.mode === "url") {
          if (!o.elicitUrl)
            throw new ProtocolError(
              ErrorCode.InvalidParams,
              'invalid params: this client does not support URL-mode elicitation ("elicitation.url")',
            );
          const u = p as unknown as ElicitRequestURLParams;
          let domain: string;
          try {
            domain = domainOf(u.url);
          } catch {
            throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "url" ${JSON.stringify(u.url)} is not a URL`);
          }
          const r = await o.elicitUrl({ url: u.url, domain, message: u.message, elicitationId: u.elicitationId }, { signal: ctx.signal });
          const { content: _content, ...rest } = r;
          return rest;
        }
        if (!o.elicitForm)
          throw new ProtocolError(
            ErrorCode.InvalidParams,
            'invalid params: this client does not support form-mode elicitation ("elicitation.form")',
          );
        const params = p as unknown as ElicitRequestFormParams;
        return checkFormResult(params, await o.elicitForm(params, { signal: ctx.signal }));
      });
    }
    if (o.roots) handlers.set("roots/list", () => ({ roots: this.#roots }));
    const receiver = this.#receiver;
    if (receiver) {
      // The server is this client's only requestor, so every task it creates here has one owner.
      const owner = "server";
      for (const method of ["sampling/createMessage", "elicitation/create"]) {
        const handle = handlers.get(method);
        if (!handle) continue;
        handlers.set(method, async (p, ctx) => {
          if (p.task === undefined) return handle(p, ctx);
          const { task, ...request } = p;
          const record = await receiver.create(owner, method, request, (task as { ttl?: unknown }).ttl);
          receiver.execute(record, ctx.session, ctx.id, async (control) => ({
            status: "completed",
            result: (await handle(request, { ...ctx, signal: control.signal })) as Params,
          }));
          return { task: toWireTask(record) };
        });
      }
      handlers.set("tasks/get", (p) => receiver.get(owner, p));
      handlers.set("tasks/result", (p, ctx) => receiver.result(owner, p, ctx));
      handlers.set("tasks/list", (p) => receiver.list(owner, p));
      handlers.set("tasks/cancel", (p) => receiver.cancel(owner, p));
    }
    const session = new Session(transport, {
      incoming: SERVER_REQUESTS,
      outgoing: CLIENT_REQUESTS,
      notifications: NOTIFICATIONS,
      handlers,
      timeoutMs: o.timeoutMs,
      onerror: o.onerror,
    });
    this.#session = session;
    session.setNotificationHandler("notifications/message", (p) => o.onLog?.(p as unknown as LoggingMessageNotificationParams));
    session.setNotificationHandler("notifications/resources/updated", (p) => o.onResourceUpdated?.(p.uri as string));
    session.setNotificationHandler("notifications/elicitation/complete", (p) => o.onElicitationComplete?.(p.elicitationId as string));
    session.setNotificationHandler("notifications/tasks/status", (p) => {
      for (const fn of this.#taskListeners.get(p.taskId as string) ?? []) fn(p as unknown as Task);
    });
    for (const kind of ["tools", "resources", "prompts"] as const) {
      session.setNotificationHandler(`notifications/${kind}/list_changed`, () => {
        if (kind === "tools") {
          delete this.#cache.tools;
          this.#outputValidators.clear();
        } else if (kind === "resources") {
          delete this.#cache.resources;
          delete this.#cache.templates;
        } else delete this.#cache.prompts;
        o.onListChanged?.(kind);
      });
    }
    const offered = o.protocolVersion ?? LATEST_PROTOCOL_VERSION;
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
    session.notify("notifications/initialized");
    return init;
  }

  #rpc(): Session {
    if (!this.#session || this.#session.closed) throw new TrellisError("NOT_CONNECTED", "McpClient: not connected; call connect() first");
    return this.#session;
  }

  /** request sends any request and returns its raw result; the typed methods below are preferred. */
  async request(method: string, params?: Params, options?: CallOptions): Promise<Params> {
    return this.#rpc().request(method, params, options);
  }

  ping(options?: CallOptions): Promise<Params> {
    return this.request("ping", undefined, options);
  }

  // ---- tools -----------------------------------------------------------------------------------

  async listTools(cursor?: string, options?: CallOptions): Promise<ListToolsResult> {
    const r = (await this.request("tools/list", cursor === undefined ? undefined : { cursor }, options)) as unknown as ListToolsResult;
    for (const t of r.tools) this.#outputValidators.delete(t.name);
    return r;
  }

  /** tools iterates over every tool, page by page. */
  async *tools(options?: CallOptions): AsyncGenerator<Tool> {
    for await (const t of this.#pages<Tool>("tools/list", "tools", options)) {
      this.#outputValidators.delete(t.name);
      yield t;
    }
  }

  /** listAllTools returns every tool, from the cache when it is fresh (it is dropped on tools/list_changed). */
  listAllTools(options?: CallOptions): Promise<Tool[]> {
    return this.#all("tools", () => this.tools(options));
  }

  /** Walks every page of a list method. */
  async *#pages<T>(method: string, key: string, options?: CallOptions): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await this.request(method, cursor === undefined ? undefined : { cursor }, options);
      yield* page[key] as T[];
      cursor = page.nextCursor as string | undefined;
    } while (cursor);
  }

  /** Collects a list into the cache, or serves it from there. */
  async #all<K extends keyof ListCache>(key: K, iterate: () => AsyncGenerator<ListCache[K][number]>): Promise<ListCache[K]> {
    const cached = this.#cache[key];
    if (cached) return cached;
    const all = [] as unknown as ListCache[K];
    for await (const item of iterate()) (all as ListCache[K][number][]).push(item);
    this.#cache[key] = all;
    return all;
  }

  /**
   * callTool calls a tool. When the tool's definition is known (listAllTools was called), its
   * structuredContent is checked against its outputSchema. A -32042 error becomes UrlElicitationRequiredError.
   */
  async callTool(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult> {
    let result: CallToolResult;
    try {
      result = (await this.request(
        "tools/call",
        args === undefined ? { name } : { name, arguments: args },
        options,
      )) as unknown as CallToolResult;
    } catch (err) {
      if (err instanceof ProtocolError && err.code === ErrorCode.UrlElicitationRequired) {
        const els = ((err.data as { elicitations?: ElicitRequestURLParams[] } | undefined)?.elicitations ?? []).filter(
          (e) => typeof e?.url === "string",
        );
        throw new UrlElicitationRequiredError(err.message, els);
      }
      throw err;
    }
    const validator = this.#outputValidator(name);
    const problem = validator && (await checkStructuredContent(validator, result, name));
    if (problem) throw new TrellisError("INVALID_MESSAGE", problem);
    return result;
  }

  /**
   * callToolAsTask calls a tool as a task (tasks.mdx): the server answers at once and runs it in the
   * background. The handle reads status, waits for the result, cancels, and follows updates. Needs the
   * server's tasks.requests.tools.call capability and a tool whose execution.taskSupport is not "forbidden".
   */
  async callToolAsTask(
    name: string,
    args?: Record<string, unknown>,
    options: CallOptions & { ttlMs?: number } = {},
  ): Promise<TaskHandle<CallToolResult>> {
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
    return new TaskHandle<CallToolResult>(
      r.task,
      () => this.#rpc(),
      (id, fn) => {
        const set = this.#taskListeners.get(id) ?? new Set();
        this.#taskListeners.set(id, set);
        set.add(fn);
        return () => {
          set.delete(fn);
          if (set.size === 0) this.#taskListeners.delete(id);
        };
      },
    );
  }

  /** listTasks returns one page of this client's tasks on the server. */
  listTasks(cursor?: string, options?: CallOptions): Promise<ListTasksResult> {
    return this.request("tasks/list", cursor === undefined ? undefined : { cursor }, options) as unknown as Promise<ListTasksResult>;
  }

  /** tasks iterates over every task of this client on the server. */
  tasks(options?: CallOptions): AsyncGenerator<Task> {
    return this.#pages<Task>("tasks/list", "tasks", options);
  }

  #outputValidator(name: string): CompiledSchema | undefined {
    if (this.#outputValidators.has(name)) return this.#outputValidators.get(name) ?? undefined;
    const tool = this.#cache.tools?.find((t) => t.name === name);
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
    return this.request(
      "resources/list",
      cursor === undefined ? undefined : { cursor },
      options,
    ) as unknown as Promise<ListResourcesResult>;
  }
  resources(options?: CallOptions): AsyncGenerator<Resource> {
    return this.#pages<Resource>("resources/list", "resources", options);
  }
  listAllResources(options?: CallOptions): Promise<Resource[]> {
    return this.#all("resources", () => this.resources(options));
  }
  listResourceTemplates(cursor?: string, options?: CallOptions): Promise<ListResourceTemplatesResult> {
    return this.request(
      "resources/templates/list",
      cursor === undefined ? undefined : { cursor },
      options,
    ) as unknown as Promise<ListResourceTemplatesResult>;
  }
  resourceTemplates(options?: CallOptions): AsyncGenerator<ResourceTemplate> {
    return this.#pages<ResourceTemplate>("resources/templates/list", "resourceTemplates", options);
  }
  listAllResourceTemplates(options?: CallOptions): Promise<ResourceTemplate[]> {
    return this.#all("templates", () => this.resourceTemplates(options));
  }
  readResource(uri: string, options?: CallOptions): Promise<ReadResourceResult> {
    return this.request("resources/read", { uri }, options) as unknown as Promise<ReadResourceResult>;
  }
  async subscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.request("resources/subscribe", { uri }, options);
  }
  async unsubscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.request("resources/unsubscribe", { uri }, options);
  }

  // ---- prompts, completion, logging ------------------------------------------------------------

  listPrompts(cursor?: string, options?: CallOptions): Promise<ListPromptsResult> {
    return this.request("prompts/list", cursor === undefined ? undefined : { cursor }, options) as unknown as Promise<ListPromptsResult>;
  }
  prompts(options?: CallOptions): AsyncGenerator<Prompt> {
    return this.#pages<Prompt>("prompts/list", "prompts", options);
  }
  listAllPrompts(options?: CallOptions): Promise<Prompt[]> {
    return this.#all("prompts", () => this.prompts(options));
  }
  getPrompt(name: string, args?: Record<string, string>, options?: CallOptions): Promise<GetPromptResult> {
    return this.request(
      "prompts/get",
      args === undefined ? { name } : { name, arguments: args },
      options,
    ) as unknown as Promise<GetPromptResult>;
  }
  complete(params: CompleteRequestParams, options?: CallOptions): Promise<CompleteResult> {
    return this.request("completion/complete", params as unknown as Params, options) as unknown as Promise<CompleteResult>;
  }
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    await this.request("logging/setLevel", { level }, options);
  }

  // ---- roots -----------------------------------------------------------------------------------

  /** setRoots replaces the client's roots and tells the server they changed. */
  setRoots(roots: Root[]): void {
    if (!this.#opts.roots)
      throw misuse(
        "McpClient.setRoots: the client was created without roots, so it did not declare the capability; pass roots: [] to the constructor",
      );
    this.#roots = roots;
    if (this.#session && !this.#session.closed && this.#init) this.#session.notify("notifications/roots/list_changed");
  }

  /** close ends the connection (and, over Streamable HTTP, the session). */
  async close(): Promise<void> {
    await this.#session?.close();
    await this.#receiver?.close();
  }
}

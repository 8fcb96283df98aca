/**
 * ViewSession: the host's end of one view's bridge (the view ⇄ host JSON-RPC of MCP Apps). It answers what the
 * view asks — ui/initialize, tools/call (only for tools whose visibility includes "app"), resources/read, links,
 * messages, model context, display mode, view state — and sends what the host tells it: tool input, partial input,
 * result, cancellation, context changes, teardown. Nothing goes to the view before it says it is initialized.
 * It does not care how messages travel: a browser page, a relay or a test hands them to `receive` and `onsend`.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../../protocol/errors.js";
import type { CallToolResult, Implementation, Tool } from "../../protocol/generated/schema-types.js";
import type { McpClient } from "../../client/client.js";
import { APPS_PROTOCOL_VERSION, visibilityOf, type UiPermissions } from "./apps.js";
import type { CspGrant } from "./csp.js";
import { MAX_VIEW_STATE_BYTES, VIEW_STATE_CAPABILITY, VIEW_STATE_GET, VIEW_STATE_SET, type ViewStateStore } from "./view-state.js";

export type DisplayMode = "inline" | "fullscreen" | "pip";
type Message = Record<string, unknown>;

/** What the host application decides: each callback is optional, and what it leaves out the view is refused. */
export interface ViewHooks {
  /** Open a link the view asks for (ask the user first); return false to refuse. Without it, links are refused. */
  onOpenLink?(url: string, view: ViewSession): boolean | Promise<boolean>;
  /** Add a message from the view to the conversation. Without it, ui/message is refused. */
  onMessage?(message: { role: "user"; content: unknown[] }, view: ViewSession): void | Promise<void>;
  /** The view's context for the model's next turns (each update replaces the last). */
  onModelContext?(context: { content?: unknown[]; structuredContent?: Record<string, unknown> }, view: ViewSession): void;
  /** A display mode the view asks for; return the mode now in effect. Without it the mode stays as it is. */
  onDisplayMode?(mode: DisplayMode, view: ViewSession): DisplayMode | Promise<DisplayMode>;
  /** A log line from the view. */
  onLog?(params: Record<string, unknown>, view: ViewSession): void;
  /** The view asks to be closed; the host may do it (view.teardown()) or not. */
  onRequestTeardown?(view: ViewSession): void;
}

export interface ViewSessionInit {
  id: string;
  client: McpClient;
  tool: Tool;
  uri: string;
  html: string;
  csp: CspGrant;
  cspDeclared: boolean;
  permissions?: UiPermissions;
  allow: string;
  prefersBorder?: boolean;
  domain?: string;
  toolCallId?: string | number;
  hostInfo: Implementation;
  hostContext: Record<string, unknown>;
  hooks: ViewHooks;
  state?: { store: ViewStateStore; key: string };
}

const MODES: DisplayMode[] = ["inline", "fullscreen", "pip"];

export class ViewSession {
  readonly id: string;
  readonly tool: Tool;
  readonly uri: string;
  readonly html: string;
  readonly csp: CspGrant;
  readonly cspDeclared: boolean;
  readonly permissions?: UiPermissions;
  readonly allow: string;
  readonly prefersBorder?: boolean;
  readonly domain?: string;
  /** Set once the view sent ui/notifications/initialized. */
  initialized = false;
  closed = false;
  displayMode: DisplayMode = "inline";
  /** The last size the view reported. */
  size?: { width?: number; height?: number };
  /** The last context the view gave the model. */
  modelContext?: { content?: unknown[]; structuredContent?: Record<string, unknown> };
  /** What the view declared at ui/initialize. */
  appInfo?: Implementation;
  appCapabilities?: Record<string, unknown>;
  /** Where host → view messages go; set by whatever carries them (a page, a relay). Queued until it is set. */
  onsend?: (message: Message) => void;
  readonly #init: ViewSessionInit;
  readonly #queue: Message[] = [];
  readonly #pending = new Map<number, (m: Message) => void>();
  #nextId = 0;
  #inputSent = false;
  #outbox: Message[] = [];

  constructor(init: ViewSessionInit) {
    this.#init = init;
    this.id = init.id;
    this.tool = init.tool;
    this.uri = init.uri;
    this.html = init.html;
    this.csp = init.csp;
    this.cspDeclared = init.cspDeclared;
    this.permissions = init.permissions;
    this.allow = init.allow;
    this.prefersBorder = init.prefersBorder;
    this.domain = init.domain;
  }

  // ---- host → view -----------------------------------------------------------------------------

  /** toolInput sends the tool's complete arguments (at most once, before the result). */
  toolInput(args: Record<string, unknown> | undefined): void {
    if (this.#inputSent) return;
    this.#inputSent = true;
    this.#notify("ui/notifications/tool-input", { arguments: args ?? {} });
  }

  /** toolInputPartial sends arguments still streaming (only before toolInput). */
  toolInputPartial(args: Record<string, unknown>): void {
    if (!this.#inputSent) this.#notify("ui/notifications/tool-input-partial", { arguments: args });
  }

  /** toolResult sends the tool's result (after its input). */
  toolResult(result: CallToolResult): void {
    if (!this.#inputSent) this.toolInput(undefined);
    this.#notify("ui/notifications/tool-result", result as unknown as Message);
  }

  /** toolCancelled tells the view the call will not complete. */
  toolCancelled(reason?: string): void {
    this.#notify("ui/notifications/tool-cancelled", reason === undefined ? {} : { reason });
  }

  /** setContext tells the view what changed in the host's context (theme, display mode, size...). */
  setContext(changes: Record<string, unknown>): void {
    Object.assign(this.#init.hostContext, changes);
    this.#notify("ui/notifications/host-context-changed", changes);
  }

  /**
   * teardown asks the view to save its work (ui/resource-teardown) and waits for its answer, at most `timeoutMs`;
   * an error or no answer counts as done. Afterwards the view gets nothing more.
   */
  async teardown(timeoutMs = 3000): Promise<void> {
    if (this.closed) return;
    // Only a view that is initialized and connected (onsend set) can answer; otherwise there is nothing to wait for.
    if (this.initialized && this.onsend) {
      const id = this.#nextId++;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const answered = new Promise<void>((resolve) => {
        this.#pending.set(id, () => resolve());
        timer = setTimeout(resolve, timeoutMs);
      });
      this.#send({ jsonrpc: "2.0", id, method: "ui/resource-teardown", params: {} });
      await answered;
      clearTimeout(timer);
      this.#pending.delete(id);
    }
    this.closed = true;
  }

  /** Takes the messages queued for a carrier that polls instead of setting onsend. */
  drain(): Message[] {
    const out = this.#outbox;
    this.#outbox = [];
    return out;
  }

  #notify(method: string, params: Message): void {
    const m = { jsonrpc: "2.0", method, params };
    if (this.initialized) this.#send(m);
    else this.#queue.push(m);
  }

  #send(m: Message): void {
    if (this.closed) return;
    if (this.onsend) this.onsend(m);
    else this.#outbox.push(m);
  }

  // ---- view → host -----------------------------------------------------------------------------

  /** receive takes one message from the view and returns the response to send back (for requests), or undefined. */
  async receive(message: unknown): Promise<Message | undefined> {
    if (this.closed) return undefined;
    const m = message as Message;
    if (typeof m !== "object" || m === null || Array.isArray(m) || m.jsonrpc !== "2.0") return undefined;
    const id = m.id;
    const isRequest = typeof m.method === "string" && (typeof id === "string" || typeof id === "number");
    if (typeof m.method !== "string") {
      if (typeof id === "number") this.#pending.get(id)?.(m);
      return undefined;
    }
    const params = (typeof m.params === "object" && m.params !== null && !Array.isArray(m.params) ? m.params : {}) as Message;
    if (!isRequest) {
      this.#onNotification(m.method, params);
      return undefined;
    }
    try {
      return { jsonrpc: "2.0", id, result: ((await this.#onRequest(m.method, params)) ?? {}) as Message };
    } catch (err) {
      const e =
        err instanceof ProtocolError
          ? err
          : new ProtocolError(
              ErrorCode.InternalError,
              err instanceof TrellisError ? err.message : `internal error: ${(err as Error)?.message ?? err}`,
            );
      return { jsonrpc: "2.0", id, error: e.toJSON() };
    }
  }

  #onNotification(method: string, params: Message): void {
    const hooks = this.#init.hooks;
    if (method === "ui/notifications/initialized") {
      if (this.initialized) return;
      this.initialized = true;
      for (const m of this.#queue.splice(0)) this.#send(m);
    } else if (method === "ui/notifications/size-changed") {
      const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.min(v, 100_000) : undefined);
      this.size = { width: num(params.width), height: num(params.height) };
    } else if (method === "ui/notifications/request-teardown") hooks.onRequestTeardown?.(this);
    else if (method === "notifications/message") hooks.onLog?.(params, this);
  }

  async #onRequest(method: string, params: Message): Promise<unknown> {
    const { client, hooks } = this.#init;
    switch (method) {
      case "ui/initialize":
        return this.#initialize(params);
      case "ping":
        return {};
      case "tools/call":
        return this.#callTool(params);
      case "resources/read":
        if (typeof params.uri !== "string") throw invalid('resources/read needs a string "uri"');
        return client.readResource(params.uri);
      case "resources/list":
        return client.listResources(typeof params.cursor === "string" ? params.cursor : undefined);
      case "resources/templates/list":
        return client.listResourceTemplates(typeof params.cursor === "string" ? params.cursor : undefined);
      case "ui/open-link": {
        const url = typeof params.url === "string" && URL.canParse(params.url) ? new URL(params.url) : undefined;
        if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) throw invalid("ui/open-link needs an http or https url");
        if (!hooks.onOpenLink) throw new ProtocolError(ErrorCode.MethodNotFound, "this host does not open links for views");
        return (await hooks.onOpenLink(url.href, this)) ? {} : { isError: true };
      }
      case "ui/message": {
        if (params.role !== "user" || !Array.isArray(params.content)) throw invalid('ui/message needs role "user" and a content array');
        if (!hooks.onMessage) throw new ProtocolError(ErrorCode.MethodNotFound, "this host does not take messages from views");
        await hooks.onMessage({ role: "user", content: params.content }, this);
        return {};
      }
      case "ui/update-model-context": {
        const context = {
          ...(Array.isArray(params.content) ? { content: params.content } : {}),
          ...(typeof params.structuredContent === "object" && params.structuredContent !== null
            ? { structuredContent: params.structuredContent as Record<string, unknown> }
            : {}),
        };
        if (JSON.stringify(context).length > 1024 * 1024) throw invalid("model context over 1 MiB");
        this.modelContext = context;
        hooks.onModelContext?.(context, this);
        return {};
      }
      case "ui/request-display-mode":
        return { mode: await this.#displayMode(params.mode) };
      case VIEW_STATE_GET:
        return { state: (await this.#init.state?.store.get(this.#init.state.key)) ?? null };
      case VIEW_STATE_SET: {
        if (!this.#init.state) throw new ProtocolError(ErrorCode.MethodNotFound, "view state is off on this host");
        const size = JSON.stringify(params.state ?? null).length;
        if (size > MAX_VIEW_STATE_BYTES) throw invalid(`view state is ${size} bytes; at most ${MAX_VIEW_STATE_BYTES}`);
        await this.#init.state.store.set(this.#init.state.key, params.state ?? null);
        return {};
      }
      default:
        throw new ProtocolError(ErrorCode.MethodNotFound, `method not found: ${JSON.stringify(method)}`);
    }
  }

  #initialize(params: Message): unknown {
    const i = this.#init;
    this.appInfo = params.appInfo as Implementation | undefined;
    this.appCapabilities = (params.appCapabilities as Record<string, unknown> | undefined) ?? {};
    const hostCapabilities: Record<string, unknown> = {
      serverTools: {},
      serverResources: {},
      logging: {},
      updateModelContext: { text: {}, structuredContent: {} },
      sandbox: { csp: i.csp.granted, ...(i.permissions ? { permissions: i.permissions } : {}) },
      ...(i.hooks.onOpenLink ? { openLinks: {} } : {}),
      ...(i.hooks.onMessage ? { message: { text: {} } } : {}),
      ...(i.state ? { experimental: { [VIEW_STATE_CAPABILITY]: {} } } : {}),
    };
    const hostContext = {
      ...i.hostContext,
      toolInfo: { ...(i.toolCallId !== undefined ? { id: i.toolCallId } : {}), tool: i.tool },
      displayMode: this.displayMode,
      availableDisplayModes: i.hooks.onDisplayMode ? MODES : ["inline"],
    };
    return { protocolVersion: APPS_PROTOCOL_VERSION, hostInfo: i.hostInfo, hostCapabilities, hostContext };
  }

  async #callTool(params: Message): Promise<unknown> {
    const { client } = this.#init;
    const name = params.name;
    if (typeof name !== "string") throw invalid('tools/call needs a string "name"');
    const tool = (await client.listAllTools()).find((t) => t.name === name);
    if (!tool) throw invalid(`unknown tool ${JSON.stringify(name)} on this view's server`);
    if (!visibilityOf(tool).includes("app"))
      throw invalid(`tool ${JSON.stringify(name)} is not available to views (its visibility is ${JSON.stringify(visibilityOf(tool))})`);
    const token = (params._meta as Message | undefined)?.progressToken;
    const args =
      typeof params.arguments === "object" && params.arguments !== null ? (params.arguments as Record<string, unknown>) : undefined;
    return client.callTool(name, args, {
      ...(token !== undefined
        ? {
            onprogress: (p) => this.#send({ jsonrpc: "2.0", method: "notifications/progress", params: { ...p, progressToken: token } }),
            resetTimeoutOnProgress: true,
          }
        : {}),
    });
  }

  async #displayMode(mode: unknown): Promise<DisplayMode> {
    if (!MODES.includes(mode as DisplayMode)) throw invalid('mode must be "inline", "fullscreen" or "pip"');
    const allowed = this.appCapabilities?.availableDisplayModes;
    const hook = this.#init.hooks.onDisplayMode;
    if (!hook || (Array.isArray(allowed) && !allowed.includes(mode))) return this.displayMode;
    const next = await hook(mode as DisplayMode, this);
    if (MODES.includes(next) && next !== this.displayMode) {
      this.displayMode = next;
      this.setContext({ displayMode: next });
    }
    return this.displayMode;
  }
}

function invalid(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidParams, `invalid params: ${message}`);
}

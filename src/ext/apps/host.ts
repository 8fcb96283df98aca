/**
 * AppHost: the host side of MCP Apps for one server connection (an McpClient that declared Apps support with
 * `client.use(appsClient())`). It gives the model only the tools it may call, fetches a tool's view and checks it
 * (type, size, a valid document), works out the view's CSP — the spec's default, or the declared domains and
 * never more — records it in an audit log, and opens a ViewSession that bridges the view to this server. It runs
 * wherever the client runs; a browser page renders the view (trellis-mcp/apps/browser), locally or over a relay.
 */
import { TrellisError, misuse } from "../../protocol/errors.js";
import type { CallToolResult, Implementation, Tool } from "../../protocol/generated/schema-types.js";
import { base64ToBytes } from "../../internal/base64.js";
import type { McpClient } from "../../client/client.js";
import { defineClientExtension, type ClientExtension } from "../../client/extension.js";
import { APP_MIME_TYPE, APPS_EXTENSION, htmlProblem, viewUriOf, visibilityOf, type UiPermissions, type UiResourceMeta } from "./apps.js";
import { allowAttribute, buildCsp, type CspGrant } from "./csp.js";
import { MemoryViewStateStore, type ViewStateStore } from "./view-state.js";
import { ViewSession, type ViewHooks } from "./view.js";

/** appsClient declares Apps support (`mimeTypes: ["text/html;profile=mcp-app"]`): `client.use(appsClient())` before connect. */
export function appsClient(): ClientExtension<void> {
  return defineClientExtension({ id: APPS_EXTENSION, settings: { mimeTypes: [APP_MIME_TYPE] }, setup() {} });
}

/** One audit record: what a view was allowed, and what it asked for and did not get. */
export interface ViewAudit {
  at: string;
  viewId: string;
  server?: Implementation;
  tool: string;
  uri: string;
  policy: string;
  granted: CspGrant["granted"];
  dropped: CspGrant["dropped"];
  /** What the view asked for, and what `grantPermissions` let it have. */
  permissions?: UiPermissions;
  grantedPermissions?: UiPermissions;
  domain?: string;
}

export interface AppHostOptions extends ViewHooks {
  hostInfo?: Implementation;
  /** The context views get at ui/initialize (theme, locale, timeZone, platform, styles, containerDimensions...). */
  hostContext?: Record<string, unknown>;
  /** Where view state is kept. Default: in memory. `false` turns view state off. */
  viewState?: ViewStateStore | false;
  /** Called with each view's audit record (they are also kept in `auditLog`, the last 1 000). */
  onAudit?(record: ViewAudit): void;
  /** The host page's origins, for the sandbox's frame-ancestors. */
  frameAncestors?: string[];
  /** Largest view document accepted. Default 5 MiB. */
  maxHtmlBytes?: number;
  /**
   * grantPermissions decides which of the device permissions a view asks for (camera, microphone, geolocation,
   * clipboardWrite) its frame gets. The browser's prompt names the host page, not the server, so nothing is
   * granted unless this says so. Default: none.
   */
  grantPermissions?(
    requested: UiPermissions,
    view: { tool: string; uri: string; server?: Implementation },
  ): UiPermissions | Promise<UiPermissions>;
}

export interface OpenViewOptions {
  /** The id of the tool call this view shows (hostContext.toolInfo.id); it also keys the view's state. */
  toolCallId?: string | number;
  /** Key for view state when there is no tool call id (default: the tool call id, else the view's own id). */
  stateKey?: string;
}

export class AppHost {
  readonly client: McpClient;
  readonly auditLog: ViewAudit[] = [];
  readonly #options: AppHostOptions;
  readonly #views = new Map<string, ViewSession>();
  readonly #state?: ViewStateStore;

  constructor(client: McpClient, options: AppHostOptions = {}) {
    if (!client?.capabilities?.extensions?.[APPS_EXTENSION])
      throw misuse("new AppHost: the client must declare Apps support; call client.use(appsClient()) before client.connect()");
    this.client = client;
    this.#options = options;
    if (options.viewState !== false) this.#state = options.viewState ?? new MemoryViewStateStore();
  }

  /** The views open now, by id. */
  get views(): ReadonlyMap<string, ViewSession> {
    return this.#views;
  }

  /** modelTools is the tool list to give the model: tools whose visibility includes "model". */
  async modelTools(): Promise<Tool[]> {
    return (await this.client.listAllTools()).filter((t) => visibilityOf(t).includes("model"));
  }

  /** viewUriOf is the `ui://` URI of a tool's view, if it has one. */
  async viewOf(toolName: string): Promise<string | undefined> {
    const tool = (await this.client.listAllTools()).find((t) => t.name === toolName);
    return tool ? viewUriOf(tool) : undefined;
  }

  /**
   * openView fetches the tool's view and opens its bridge. The view's document, CSP and permissions are on the
   * returned session; hand them to a renderer. Throws when the tool has no view or the view is not acceptable.
   */
  async openView(toolName: string, options: OpenViewOptions = {}): Promise<ViewSession> {
    const tool = (await this.client.listAllTools()).find((t) => t.name === toolName);
    if (!tool) throw new TrellisError("REQUEST_FAILED", `unknown tool ${JSON.stringify(toolName)}`);
    const uri = viewUriOf(tool);
    if (!uri) throw new TrellisError("REQUEST_FAILED", `tool ${JSON.stringify(toolName)} has no view`);
    const { html, ui } = await this.#fetchView(uri);
    const csp = buildCsp(ui?.csp, { frameAncestors: this.#options.frameAncestors });
    const id = crypto.randomUUID();
    const server = this.client.serverInfo;
    const granted =
      ui?.permissions && this.#options.grantPermissions ? await this.#grant(ui.permissions, { tool: toolName, uri, server }) : undefined;
    const view = new ViewSession({
      id,
      client: this.client,
      tool,
      uri,
      html,
      csp,
      cspDeclared: ui?.csp !== undefined,
      permissions: granted,
      allow: allowAttribute(granted),
      prefersBorder: ui?.prefersBorder,
      domain: ui?.domain,
      toolCallId: options.toolCallId,
      hostInfo: this.#options.hostInfo ?? { name: "trellis-host", version: "0.1.0" },
      hostContext: { platform: "web", ...this.#options.hostContext },
      hooks: this.#options,
      state: this.#state && {
        store: this.#state,
        key: JSON.stringify([server?.name ?? "", uri, options.stateKey ?? String(options.toolCallId ?? id)]),
      },
    });
    const record: ViewAudit = {
      at: new Date().toISOString(),
      viewId: id,
      server,
      tool: toolName,
      uri,
      policy: csp.policy,
      granted: csp.granted,
      dropped: csp.dropped,
      ...(ui?.permissions ? { permissions: ui.permissions, grantedPermissions: granted ?? {} } : {}),
      ...(ui?.domain ? { domain: ui.domain } : {}),
    };
    this.auditLog.push(record);
    if (this.auditLog.length > 1000) this.auditLog.shift();
    this.#options.onAudit?.(record);
    this.#views.set(id, view);
    return view;
  }

  /**
   * callTool is a model's tool call with its view: the tool must be visible to the model; if it has a view, the
   * view opens first, gets the arguments, then the result (or the cancellation, if the call fails).
   */
  async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options: OpenViewOptions = {},
  ): Promise<{ result: CallToolResult; view?: ViewSession }> {
    const tool = (await this.client.listAllTools()).find((t) => t.name === name);
    if (tool && !visibilityOf(tool).includes("model"))
      throw new TrellisError(
        "REQUEST_FAILED",
        `tool ${JSON.stringify(name)} is only for views (visibility ["app"]); the model cannot call it`,
      );
    const view = tool && viewUriOf(tool) ? await this.openView(name, options) : undefined;
    view?.toolInput(args);
    try {
      const result = await this.client.callTool(name, args);
      view?.toolResult(result);
      return { result, view };
    } catch (err) {
      view?.toolCancelled((err as Error).message);
      throw err;
    }
  }

  /** closeView tears a view down (it may save its work first) and forgets it. */
  async closeView(id: string, timeoutMs?: number): Promise<void> {
    const view = this.#views.get(id);
    if (!view) return;
    // Forgotten only afterwards: the view's answer and the state it saves come back through the host (the relay).
    try {
      await view.teardown(timeoutMs);
    } finally {
      this.#views.delete(id);
    }
  }

  /** #grant keeps only the requested permissions the application's callback grants. */
  async #grant(requested: UiPermissions, view: { tool: string; uri: string; server?: Implementation }): Promise<UiPermissions> {
    const answer = await this.#options.grantPermissions!({ ...requested }, view);
    const out: UiPermissions = {};
    for (const k of ["camera", "microphone", "geolocation", "clipboardWrite"] as const)
      if (requested[k] !== undefined && answer?.[k] !== undefined) out[k] = {};
    return out;
  }

  async #fetchView(uri: string): Promise<{ html: string; ui?: UiResourceMeta }> {
    const max = this.#options.maxHtmlBytes ?? 5 * 1024 * 1024;
    const read = await this.client.readResource(uri);
    const content = read.contents?.find((c) => c.uri === uri) ?? read.contents?.[0];
    if (!content) throw new TrellisError("INVALID_MESSAGE", `view ${uri}: the server returned no contents`);
    if (content.mimeType !== APP_MIME_TYPE)
      throw new TrellisError(
        "INVALID_MESSAGE",
        `view ${uri} is served as ${JSON.stringify(content.mimeType)}, not ${APP_MIME_TYPE}; not rendering it`,
      );
    let html: string | undefined;
    if ("text" in content && typeof content.text === "string") html = content.text;
    else if ("blob" in content && typeof content.blob === "string") {
      try {
        html = new TextDecoder("utf-8", { fatal: true }).decode(base64ToBytes(content.blob));
      } catch {
        throw new TrellisError("INVALID_MESSAGE", `view ${uri}: the blob is not base64 UTF-8`);
      }
    }
    if (html === undefined) throw new TrellisError("INVALID_MESSAGE", `view ${uri}: neither text nor blob`);
    if (html.length > max)
      throw new TrellisError("RESPONSE_TOO_LARGE", `view ${uri} is ${html.length} characters; this host takes at most ${max}`);
    const problem = htmlProblem(html);
    if (problem) throw new TrellisError("INVALID_MESSAGE", `view ${uri}: ${problem}`);
    let ui = (content._meta as { ui?: UiResourceMeta } | undefined)?.ui;
    if (!ui) {
      const listed = await this.client.listAllResources().catch(() => []);
      ui = (listed.find((r) => r.uri === uri)?._meta as { ui?: UiResourceMeta } | undefined)?.ui;
    }
    return { html, ui: typeof ui === "object" && ui !== null ? ui : undefined };
  }
}

/**
 * MCP Apps, server side: views (`ui://` resources of type text/html;profile=mcp-app, with their CSP, permissions,
 * domain and border preference) and the tools linked to them (`_meta.ui.resourceUri`, `visibility`). Everything is
 * checked at registration. Clients that did not declare Apps support get the text-only fallback: app-only tools
 * are hidden and refused, and the others are listed without their `_meta.ui`.
 */
import { misuse } from "../../protocol/errors.js";
import type { CallToolResult, Tool } from "../../protocol/generated/schema-types.js";
import { defineExtension, type ServerExtension } from "../../server/extension.js";
import { HandlerContext } from "../../server/context.js";
import type { RegisteredResource } from "../../server/resources.js";
import type { ServerSession } from "../../server/session.js";
import type { RegisteredTool, ToolConfig, ToolHandler } from "../../server/tools.js";
import type { SchemaInput } from "../../internal/schema.js";
import {
  APP_MIME_TYPE,
  APPS_EXTENSION,
  LEGACY_RESOURCE_URI_KEY,
  checkDomain,
  htmlProblem,
  viewUriOf,
  visibilityOf,
  type UiCsp,
  type UiPermissions,
  type UiResourceMeta,
  type Visibility,
} from "./apps.js";

export interface ViewConfig extends UiResourceMeta {
  name: string;
  title?: string;
  description?: string;
  /** The HTML document, or a function that produces it at each read (checked then). */
  html: string | (() => string | Promise<string>);
  /** Whether resources/list shows the view. Default true; hosts find views through their tools either way. */
  listed?: boolean;
}

export type AppToolConfig<S extends SchemaInput | undefined = SchemaInput | undefined> = ToolConfig<S> & {
  /** The `ui://` URI of a view registered with registerView. */
  view?: string;
  /** Who may call the tool. Default ["model", "app"]; ["app"] for helpers only the view calls. */
  visibility?: Visibility[];
};

export interface AppsServerApi {
  registerView(uri: string, config: ViewConfig): RegisteredResource;
  registerAppTool<S extends SchemaInput | undefined = undefined>(
    name: string,
    config: AppToolConfig<S>,
    handler: ToolHandler<S>,
  ): RegisteredTool;
  /** Whether this client renders views (it declared the extension with this MIME type, or with no list of types). */
  supportsApps(session: ServerSession | HandlerContext): boolean;
}

/** appsServer is the MCP Apps extension for McpServer: `const apps = server.use(appsServer())`. */
export function appsServer(): ServerExtension<AppsServerApi> {
  const views = new Set<string>();
  // Without a session (a task resumed after a restart) or with unknown capabilities (stateless HTTP), nothing says
  // the client lacks Apps: serve the full shape rather than a fallback a host that renders views would not want.
  const supports = (session: ServerSession | undefined) => {
    if (!session?.capabilitiesKnown) return true;
    const s = session.extensions[APPS_EXTENSION] as { mimeTypes?: unknown } | undefined;
    return !!s && (!Array.isArray(s.mimeTypes) || s.mimeTypes.includes(APP_MIME_TYPE));
  };
  return defineExtension({
    id: APPS_EXTENSION,
    setup(x) {
      x.onToolList((tool, session) => (supports(session) ? tool : textOnly(tool)));
      x.aroundToolCall(async (call, next): Promise<CallToolResult> => {
        if (!supports(call.ctx.session) && !visibilityOf(call.tool).includes("model"))
          return {
            content: [
              {
                type: "text",
                text: `tool ${JSON.stringify(call.tool.name)} is only for this server's app views; this client does not render them`,
              },
            ],
            isError: true,
          };
        return next();
      });
      return {
        registerView(uri, config) {
          const op = `registerView ${JSON.stringify(uri)}`;
          if (typeof uri !== "string" || !/^ui:\/\/[^/\s]+/.test(uri) || !URL.canParse(uri))
            throw misuse(`${op}: a view's URI must use the ui:// scheme, such as "ui://weather/view.html"`);
          if (typeof config?.html !== "string" && typeof config?.html !== "function")
            throw misuse(`${op}: html must be the HTML document as a string, or a function returning it`);
          if (typeof config.html === "string") {
            const problem = htmlProblem(config.html);
            if (problem) throw misuse(`${op}: ${problem}`);
          }
          const ui = uiMeta(config, op);
          const html = config.html;
          const r = x.registerResource(
            uri,
            {
              name: config.name,
              title: config.title,
              description: config.description,
              mimeType: APP_MIME_TYPE,
              listed: config.listed !== false,
              ...(ui ? { _meta: { ui } } : {}),
            },
            async () => {
              const text = typeof html === "string" ? html : await html();
              const problem = htmlProblem(text);
              if (problem) throw new Error(`view ${uri}: ${problem}`);
              return { contents: [{ uri, mimeType: APP_MIME_TYPE, text, ...(ui ? { _meta: { ui } } : {}) }] };
            },
          );
          views.add(uri);
          const remove = () => {
            views.delete(uri);
            r.remove();
          };
          return { uri, remove };
        },
        registerAppTool(name, config, handler) {
          const op = `registerAppTool ${JSON.stringify(name)}`;
          const { view, visibility, ...tool } = config;
          if (view !== undefined && !views.has(view))
            throw misuse(`${op}: view ${JSON.stringify(view)} is not registered; call registerView(${JSON.stringify(view)}, ...) first`);
          if (
            visibility !== undefined &&
            (!Array.isArray(visibility) || visibility.length === 0 || visibility.some((v) => v !== "model" && v !== "app"))
          )
            throw misuse(`${op}: visibility must list "model", "app" or both, such as ["app"] for a tool only the view calls`);
          if (view === undefined && visibility === undefined)
            throw misuse(`${op}: give it a view, a visibility, or both; a tool with neither is a plain tool (registerTool)`);
          const ui = { ...(view ? { resourceUri: view } : {}), ...(visibility ? { visibility } : {}) };
          const _meta = { ...tool._meta, ui, ...(view ? { [LEGACY_RESOURCE_URI_KEY]: view } : {}) };
          return x.registerTool(name, { ...tool, _meta } as ToolConfig<never>, handler as ToolHandler<never>);
        },
        supportsApps: (s) => supports(s instanceof HandlerContext ? s.session : s),
      };
    },
  });
}

/** A tool as a client without Apps support sees it: app-only tools hidden, the rest without UI metadata. */
function textOnly(tool: Tool): Tool | undefined {
  if (!visibilityOf(tool).includes("model")) return undefined;
  if (!viewUriOf(tool) && !(tool._meta as Record<string, unknown> | undefined)?.ui) return tool;
  const { ui: _ui, [LEGACY_RESOURCE_URI_KEY]: _legacy, ...rest } = tool._meta as Record<string, unknown>;
  const out = { ...tool };
  if (Object.keys(rest).length) out._meta = rest;
  else delete out._meta;
  return out;
}

function uiMeta(config: ViewConfig, op: string): UiResourceMeta | undefined {
  const ui: UiResourceMeta = {};
  if (config.csp !== undefined) ui.csp = checkCsp(config.csp, op);
  if (config.permissions !== undefined) {
    const known = ["camera", "microphone", "geolocation", "clipboardWrite"];
    const extra = Object.keys(config.permissions).filter((k) => !known.includes(k));
    if (extra.length) throw misuse(`${op}: unknown permissions ${extra.join(", ")}; use ${known.join(", ")}`);
    ui.permissions = Object.fromEntries(Object.keys(config.permissions).map((k) => [k, {}])) as UiPermissions;
  }
  if (config.domain !== undefined) {
    if (typeof config.domain !== "string" || config.domain === "" || /[\s;'"]/.test(config.domain))
      throw misuse(`${op}: domain must be a host name in the host's format, such as "abc123.example-sandbox.com"`);
    ui.domain = config.domain;
  }
  if (config.prefersBorder !== undefined) ui.prefersBorder = config.prefersBorder === true;
  return Object.keys(ui).length ? ui : undefined;
}

function checkCsp(csp: UiCsp, op: string): UiCsp {
  const out: UiCsp = {};
  for (const kind of ["connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"] as const) {
    const list = csp[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw misuse(`${op}: csp.${kind} must be a list of origins`);
    for (const d of list) {
      const problem = checkDomain(d, kind);
      if (problem) throw misuse(`${op}: csp.${kind} entry ${JSON.stringify(d)} ${problem}`);
      if (d.includes("*") && kind !== "resourceDomains")
        throw misuse(`${op}: csp.${kind} entry ${JSON.stringify(d)}: wildcards are for resourceDomains only`);
    }
    out[kind] = [...list];
  }
  const unknown = Object.keys(csp).filter(
    (k) => !(k in out) && !["connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"].includes(k),
  );
  if (unknown.length)
    throw misuse(`${op}: unknown csp fields ${unknown.join(", ")}; use connectDomains, resourceDomains, frameDomains, baseUriDomains`);
  return out;
}

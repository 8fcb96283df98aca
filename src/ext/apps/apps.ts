/**
 * What the server and the host sides of MCP Apps (SEP-1865, `io.modelcontextprotocol/ui`, stable 2026-01-26) share:
 * identifiers, the `_meta.ui` shapes of views and tools, visibility, and the rule for the domains a view may declare.
 * The types follow `@modelcontextprotocol/ext-apps` 2.x, whose schemas are the wire contract.
 */
import type { Tool } from "../../protocol/generated/schema-types.js";

/** The extension identifier. */
export const APPS_EXTENSION = "io.modelcontextprotocol/ui";
/** The MIME type of a view (an HTML document a host renders in a sandbox). */
export const APP_MIME_TYPE = "text/html;profile=mcp-app";
/** The revision of the view ⇄ host protocol this implementation speaks. */
export const APPS_PROTOCOL_VERSION = "2026-01-26";
/** The tool `_meta` key older hosts read the view URI from (deprecated by the spec, still mirrored). */
export const LEGACY_RESOURCE_URI_KEY = "ui/resourceUri";

/** Who may call a tool: the model, the server's own views, or both (the default). */
export type Visibility = "model" | "app";

/** The origins a view may reach, by kind; anything not declared is blocked (the host's CSP). */
export interface UiCsp {
  /** fetch, XHR, WebSocket (connect-src). */
  connectDomains?: string[];
  /** scripts, styles, images, fonts, media (script-src, style-src, img-src, font-src, media-src). */
  resourceDomains?: string[];
  /** nested frames (frame-src). */
  frameDomains?: string[];
  /** <base href> (base-uri). */
  baseUriDomains?: string[];
}

/** Browser features a view asks for; each needs the host's and usually the user's consent. */
export interface UiPermissions {
  camera?: Record<string, never>;
  microphone?: Record<string, never>;
  geolocation?: Record<string, never>;
  clipboardWrite?: Record<string, never>;
}

/** `_meta.ui` of a view resource (on the resources/read content, and on the resources/list entry). */
export interface UiResourceMeta {
  csp?: UiCsp;
  permissions?: UiPermissions;
  /** A dedicated sandbox origin for this view, in the host's format. */
  domain?: string;
  /** true: the host draws a border and background; false: none; absent: the host decides. */
  prefersBorder?: boolean;
}

/** `_meta.ui` of a tool. */
export interface UiToolMeta {
  /** The view that renders this tool's results. */
  resourceUri?: string;
  visibility?: Visibility[];
}

/** viewUriOf is the `ui://` URI of the tool's view (the `_meta.ui` form first, then the legacy key), if any. */
export function viewUriOf(tool: Pick<Tool, "_meta">): string | undefined {
  const meta = tool._meta as Record<string, unknown> | undefined;
  const ui = meta?.ui as UiToolMeta | undefined;
  const uri = typeof ui?.resourceUri === "string" ? ui.resourceUri : meta?.[LEGACY_RESOURCE_URI_KEY];
  return typeof uri === "string" && uri.startsWith("ui://") ? uri : undefined;
}

/** visibilityOf is who may call the tool; a tool that says nothing is visible to both. */
export function visibilityOf(tool: Pick<Tool, "_meta">): Visibility[] {
  const v = ((tool._meta as Record<string, unknown> | undefined)?.ui as UiToolMeta | undefined)?.visibility;
  return Array.isArray(v) && v.length > 0 ? v.filter((x) => x === "model" || x === "app") : ["model", "app"];
}

/**
 * A domain a view may declare: an http(s) origin with no path, a `*.` wildcard allowed at the start of the host
 * (resource domains), plain http only for loopback; wss (ws for loopback) only for `kind` "connectDomains". Anything else — keywords, schemes such as data: or blob:, "*",
 * paths, quotes, separators — would loosen the policy or break out of it, so it is refused.
 */
export function checkDomain(domain: unknown, kind?: string): string | undefined {
  if (typeof domain !== "string") return "must be a string";
  if (/[\s;,'"]/.test(domain)) return "must not contain spaces, quotes, commas or semicolons";
  const m = /^(https?|wss?):\/\/(\*\.)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.exec(domain);
  if (!m) return 'must be an origin such as "https://api.example.com" or "https://*.example.com" (scheme and host, no path)';
  const scheme = m[1]!;
  if (scheme.startsWith("ws") && kind !== "connectDomains") return "may use wss only among connectDomains (WebSockets)";
  const host = m[3]!.toLowerCase();
  if ((scheme === "http" || scheme === "ws") && !(host === "localhost" || host === "127.0.0.1" || host === "[::1]"))
    return `must use ${scheme === "ws" ? "wss" : "https"} (${scheme} only for loopback)`;
  if (m[2] && host.split(".").length < 2) return "a wildcard must stand before a domain with at least two labels";
  return undefined;
}

/** htmlProblem says why `html` is not an HTML document a host can render, or undefined when it is one. */
export function htmlProblem(html: string): string | undefined {
  if (typeof html !== "string" || html.trim() === "") return "html is empty";
  const head = html.replace(/^\uFEFF/, "").replace(/^(\s|<!--[\s\S]*?-->)*/, "");
  if (!/^<!doctype html\s*>/i.test(head) && !/^<html[\s>]/i.test(head))
    return 'html must be a complete HTML document starting with "<!doctype html>" (or <html>)';
  if (!endsWithHtmlClose(html)) return "html must end with </html>";
  return undefined;
}

/**
 * endsWithHtmlClose: does `html` end with </html>, trailing whitespace and comments aside? Scanned backwards in
 * linear time; a regex here backtracks quadratically on input a hostile server can send.
 */
function endsWithHtmlClose(html: string): boolean {
  let end = html.length;
  for (;;) {
    while (end > 0 && /\s/.test(html[end - 1]!)) end--;
    if (end >= 3 && html.startsWith("-->", end - 3)) {
      const open = html.lastIndexOf("<!--", end - 3);
      if (open < 0) return false;
      end = open;
      continue;
    }
    return end >= 7 && html.slice(end - 7, end).toLowerCase() === "</html>";
  }
}

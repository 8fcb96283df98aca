/**
 * trellis-mcp/apps: MCP Apps (SEP-1865, io.modelcontextprotocol/ui). The server side (views and the tools that
 * show them), the host side (AppHost, ViewSession, the CSP, view state), and the pieces a web host serves: the
 * sandbox proxy page and the relay. Runtime-neutral; trellis-mcp/apps/node serves them from Node and
 * trellis-mcp/apps/browser renders views in a page.
 */
export { appsServer, type AppsServerApi, type ViewConfig, type AppToolConfig } from "./server.js";
export { AppHost, appsClient, type AppHostOptions, type OpenViewOptions, type ViewAudit } from "./host.js";
export { ViewSession, type ViewHooks, type DisplayMode } from "./view.js";
export { buildCsp, allowAttribute, DEFAULT_VIEW_CSP, type CspGrant } from "./csp.js";
export { sandboxProxyHtml, sandboxResponse } from "./sandbox.js";
export { AppRelay, describeView, type AppRelayOptions, type ViewDescription } from "./relay.js";
export {
  MemoryViewStateStore,
  VIEW_STATE_CAPABILITY,
  VIEW_STATE_GET,
  VIEW_STATE_SET,
  MAX_VIEW_STATE_BYTES,
  type ViewStateStore,
} from "./view-state.js";
export {
  APPS_EXTENSION,
  APP_MIME_TYPE,
  APPS_PROTOCOL_VERSION,
  viewUriOf,
  visibilityOf,
  checkDomain,
  htmlProblem,
  type Visibility,
  type UiCsp,
  type UiPermissions,
  type UiResourceMeta,
  type UiToolMeta,
} from "./apps.js";

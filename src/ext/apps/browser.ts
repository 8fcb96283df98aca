/** trellis-mcp/apps/browser: render MCP App views in a web page (bundled for browsers: no Node built-ins). */
export {
  mountView,
  localConnection,
  relayConnection,
  type ViewConnection,
  type LocalView,
  type MountOptions,
  type MountedView,
} from "./mount.js";

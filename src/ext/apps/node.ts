/** trellis-mcp/apps/node: serve an AppHost's relay, browser module and sandbox proxy from Node. */
export { serveAppHost, type ServeAppHostOptions, type AppHostServer } from "./node-server.js";
export { AppRelay } from "./relay.js";

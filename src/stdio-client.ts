/**
 * trellis-mcp/stdio-client: the client side of the stdio transport, which spawns a server (Node). Everything
 * exported here is public API.
 * @module
 */
export { StdioClientTransport, defaultEnvironment, type StdioServerParameters } from "./transports/stdio-client.js";
export type { StdioOptions } from "./transports/stdio.js";

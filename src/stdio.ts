/**
 * trellis-mcp/stdio: the server side of the stdio transport (Node). Everything exported here is public API.
 * @module
 */
export { StdioServerTransport, type StdioOptions } from "./transports/stdio.js";

/**
 * trellis-mcp/memory: the in-memory transport pair, for tests and for a server and client in one process.
 * Everything exported here is public API.
 * @module
 */
export { MemoryTransport } from "./transports/memory.js";

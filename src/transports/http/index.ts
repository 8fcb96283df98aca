/**
 * trellis-mcp/http: the Streamable HTTP transport. Everything exported here is public API.
 * @module
 */
export { StreamableHttpHandler, BodyTooLargeError, type StreamableHttpOptions, type HttpRequestLike, type HttpAuthOptions } from "./handler.js";
export { serveHttp, toNodeRequest, writeNodeReply, type ServeHttpOptions, type HttpServerHandle } from "./node.js";
export type { HttpReply, ResponseMode } from "./session-transport.js";
export { SseChannel, type SseWriter } from "./sse.js";
export { checkHost, checkOrigin, LOOPBACK_NAMES } from "./guard.js";
export type { EventStore, StoredEvent } from "../../stores/event-store.js";
export { MemoryEventStore } from "../../stores/memory/event-store.js";
export type { SessionStore, SessionRecord } from "../../stores/session-store.js";
export { MemorySessionStore } from "../../stores/memory/session-store.js";

/**
 * trellis-mcp/http: the Streamable HTTP transport. Everything exported here is public API.
 * @module
 */
export { StreamableHttpHandler } from "./handler.js";
export type { StreamableHttpOptions } from "./options.js";
export { BodyTooLargeError, type HttpReply } from "./reply.js";
export type { HttpRequestLike } from "./request.js";
export type { HttpAuthenticator, ScopeLookup } from "./authenticator.js";
export { serveHttp, toNodeRequest, writeNodeReply, type ServeHttpOptions, type HttpServerHandle } from "./node.js";
export type { ResponseMode } from "./session-transport.js";
export type { SseChannel, SseWriter } from "./sse.js";
export type { EventStore, StoredEvent } from "../../stores/event-store.js";
export { MemoryEventStore } from "../../stores/memory/event-store.js";
export type { SessionStore, SessionRecord } from "../../stores/session-store.js";
export { MemorySessionStore } from "../../stores/memory/session-store.js";
export type { AppendOptions, Cluster, ClusterEvent, ClusterMessage, SharedStream } from "../../stores/cluster.js";
export { MemoryCluster, MemoryClusterHub } from "../../stores/memory/cluster.js";

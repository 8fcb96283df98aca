/**
 * trellis-mcp/stores/redis: the store interfaces on Redis (ioredis), so that several processes share sessions,
 * resumable streams, the authorization server's records and its audit log. Everything exported here is public API.
 */
export { RedisSessionStore } from "./session-store.js";
export { RedisEventStore } from "./event-store.js";
export { RedisAuthStore } from "./auth-store.js";
export { RedisAuditSink } from "./audit-sink.js";
export { RedisTaskStore } from "./task-store.js";
export { RedisCluster, type RedisClusterOptions } from "./cluster.js";
export type { RedisConnection, RedisStoreOptions } from "./options.js";

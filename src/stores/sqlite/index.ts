/**
 * trellis-mcp/stores/sqlite: the embedded SQLite stores (better-sqlite3). Everything exported here is public API.
 * @module
 */
export { DEFAULT_DATABASE, type SqliteDriver } from "./driver.js";
export { SqliteEventStore, type SqliteEventStoreOptions } from "./event-store.js";
export { SqliteTaskStore, type SqliteTaskStoreOptions } from "./task-store.js";
export { SqliteSessionStore, type SqliteSessionStoreOptions } from "./session-store.js";

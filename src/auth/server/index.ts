/**
 * trellis-mcp/auth-server: an OAuth 2.1 authorization server for MCP servers (Node). Mount it beside the MCP
 * endpoint with `serveHttp(server, { authServer: new AuthorizationServer({...}) })`, or serve its `fetch`
 * handler on its own. Everything exported here is public API, and only what is listed here.
 */
export { AuthorizationServer, type UserGrant } from "./server.js";
export type { AuthServerOptions, ConfiguredClient, ProtectedResourceConfig, TrustedIdp, CimdOptions } from "./options.js";
export { localUsers, hashPassword, verifyPasswordHash, type AuthUser, type LocalUser, type UserAuthenticator } from "./users.js";
export { auditRequests, type AuditRequestsOptions } from "./audit.js";
export { oidcFederation, type OidcFederationOptions, type UpstreamIdp } from "./federation.js";
export { redirectAllowed } from "./clients.js";
export type { AuditEvent, AuditQuery, AuditSink } from "../../stores/audit.js";
export { MemoryAuditSink, toJsonLines } from "../../stores/audit.js";
export type { AuthStore, AuthRecordKind } from "../../stores/auth-store.js";
export { MemoryAuthStore } from "../../stores/memory/auth-store.js";
export { SqliteAuthStore } from "../../stores/sqlite/auth-store.js";
export { SqliteAuditSink } from "../../stores/sqlite/audit-sink.js";

/**
 * trellis-mcp/auth/node: the OAuth client's Node-only helpers — a credential file and the loopback redirect
 * receiver. trellis-mcp/auth itself stays runtime-neutral (fetch and WebCrypto only).
 * @module
 */
export { FileCredentialStore } from "./client/file-credential-store.js";
export { loopbackRedirect, type LoopbackRedirect, type LoopbackRedirectOptions } from "./client/loopback.js";

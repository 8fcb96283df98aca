/**
 * Lifecycle (basic/lifecycle.mdx): initialize negotiates the revision and records what the client declared; the
 * notifications a client sends about itself (initialized, roots changed) are taken here.
 */
import type { InitializeRequestParams, InitializeResult } from "../protocol/generated/schema-types.js";
import { negotiateVersion } from "../protocol/versions.js";
import { negotiate, peerExtensions } from "../protocol/extensions.js";
import type { ServerMethod, ServerNotification } from "./registrar.js";

/** initialize: the revision the client asked for if this server speaks it, else the latest; the server's capabilities. */
export const initialize: ServerMethod = (params, { state, session }) => {
  const p = params as unknown as InitializeRequestParams;
  session.protocolVersion = negotiateVersion(p.protocolVersion);
  session.clientCapabilities = p.capabilities ?? {};
  session.clientInfo = p.clientInfo;
  session.extensions = negotiate(state.extensions.keys(), peerExtensions(session.clientCapabilities));
  session.initialized = true;
  const result: InitializeResult = { protocolVersion: session.protocolVersion, capabilities: state.capabilities(), serverInfo: state.info };
  if (state.options.instructions !== undefined) result.instructions = state.options.instructions;
  return result;
};

/** notifications/initialized needs no action (the HTTP transport notes it to confirm the session). */
export const initialized: ServerNotification = () => {};

/** notifications/roots/list_changed goes to the application's onRootsListChanged. */
export const rootsListChanged: ServerNotification = (_params, session, state) => state.options.onRootsListChanged?.(session);

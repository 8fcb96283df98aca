/**
 * The registrar: the one table of what a server answers. Core features and extensions contribute to it the same
 * way — methods, notifications and capabilities, each under an owner's name — and a contribution that would take
 * a method or notification someone else already handles is refused at once, naming both, so that an extension
 * can never replace a core method (or another extension's) by accident or on purpose.
 */
import { misuse } from "../protocol/errors.js";
import type { ServerCapabilities } from "../protocol/generated/schema-types.js";
import type { MessageExtra } from "../jsonrpc/transport.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { ServerSession } from "./session.js";
import type { ServerState } from "./state.js";

type Params = Record<string, unknown>;

/** What a server method handler works with: the server's registries, the client's session, the JSON-RPC request. */
export interface MethodCall {
  state: ServerState;
  session: ServerSession;
  rpc: RequestContext;
}

/** A server method: params in (already checked against the method's schema), result out (or a thrown ProtocolError). */
export type ServerMethod = (params: Params, call: MethodCall) => unknown;
/** A notification a server handles. */
export type ServerNotification = (params: Params, session: ServerSession, state: ServerState, extra?: MessageExtra) => void;
/** Adds what a feature declares to the initialize result's capabilities. */
export type CapabilityContribution = (state: ServerState, caps: ServerCapabilities) => void;

/** Contribution: what one owner (the core, or an extension by its identifier) adds to a server. */
export interface Contribution {
  owner: string;
  methods?: Readonly<Record<string, ServerMethod>>;
  notifications?: Readonly<Record<string, ServerNotification>>;
  capabilities?: readonly CapabilityContribution[];
}

export class Registrar {
  readonly #methods = new Map<string, { owner: string; handler: ServerMethod }>();
  readonly #notifications = new Map<string, { owner: string; handler: ServerNotification }>();
  readonly #capabilities: CapabilityContribution[] = [];

  /** add takes a contribution whole, or throws (and adds nothing) when it names a method or notification already taken. */
  add(c: Contribution): void {
    for (const [table, names] of [
      [this.#methods, Object.keys(c.methods ?? {})],
      [this.#notifications, Object.keys(c.notifications ?? {})],
    ] as const) {
      for (const name of names) {
        const taken = table.get(name);
        if (taken)
          throw misuse(
            `${c.owner}: cannot handle ${JSON.stringify(name)}, which ${taken.owner === "core" ? "the core protocol" : taken.owner} already handles; pick another method name`,
          );
      }
    }
    for (const [name, handler] of Object.entries(c.methods ?? {})) this.#methods.set(name, { owner: c.owner, handler });
    for (const [name, handler] of Object.entries(c.notifications ?? {})) this.#notifications.set(name, { owner: c.owner, handler });
    this.#capabilities.push(...(c.capabilities ?? []));
  }

  /** The method handlers, by method name. */
  methods(): ReadonlyMap<string, { owner: string; handler: ServerMethod }> {
    return this.#methods;
  }

  /** The notification handlers, by method name. */
  notifications(): ReadonlyMap<string, { owner: string; handler: ServerNotification }> {
    return this.#notifications;
  }

  /** capabilities builds what the server declares, each contribution in the order it was added. */
  capabilities(state: ServerState, base: ServerCapabilities): ServerCapabilities {
    const caps = { ...base };
    for (const contribute of this.#capabilities) contribute(state, caps);
    return caps;
  }
}

/**
 * Client extensions (SEP-2133): an extension declares its identifier and settings (sent in the initialize
 * request's `capabilities.extensions`), may answer requests and notifications the server sends for it, and returns
 * an API for the application, usually built on `client.request()`. Off until the application calls `client.use()`.
 */
import { misuse } from "../protocol/errors.js";
import {
  checkExtensionId,
  checkSettings,
  negotiate,
  peerExtensions,
  type ExtensionSettings,
  type ExtensionsCapability,
} from "../protocol/extensions.js";
import { isSpecMethod } from "../protocol/methods.js";
import type { NotificationHandler, RequestContext, RequestHandler } from "../jsonrpc/session.js";
import type { McpClient } from "./client.js";

/** ClientExtensionRegistrar is what a client extension's `setup` works with. */
export interface ClientExtensionRegistrar {
  /** The extension's identifier. */
  readonly id: string;
  /** The client, for the requests the extension's API makes (`client.request(method, params)`). */
  readonly client: McpClient;
  /** Answers a request the server sends. Names the spec defines, and names another extension took, are refused. */
  method(name: string, handler: (params: Record<string, unknown>, ctx: RequestContext) => unknown): void;
  /** Handles a notification the server sends. */
  notification(name: string, handler: (params: Record<string, unknown>) => void): void;
}

/** ClientExtension is what `client.use()` takes; `setup`'s return value is what `use()` returns. */
export interface ClientExtension<Api = void> {
  /** The identifier, "{vendor-prefix}/{name}". */
  readonly id: string;
  /** What the client declares under `capabilities.extensions[id]`. Default {}. */
  readonly settings?: ExtensionSettings;
  setup(registrar: ClientExtensionRegistrar): Api;
}

/** defineClientExtension types a client extension (it returns its argument). */
export function defineClientExtension<Api = void>(extension: ClientExtension<Api>): ClientExtension<Api> {
  return extension;
}

/** ClientExtensions holds one client's extensions: what it declares, the handlers they add, what was negotiated. */
export class ClientExtensions {
  readonly #declared: ExtensionsCapability = {};
  readonly #methods = new Map<string, { owner: string; handler: RequestHandler }>();
  readonly #notifications = new Map<string, { owner: string; handler: (params: Record<string, unknown>) => void }>();
  #negotiated: ExtensionsCapability = {};

  /** use installs `ext`, refusing a second use of one identifier and any method it cannot have, and leaves nothing on failure. */
  use<Api>(ext: ClientExtension<Api>, client: McpClient, connected: boolean): Api {
    const op = "client.use";
    if (connected) throw misuse(`${op}: turn extensions on before connect(), so the server sees them in initialize`);
    if (typeof ext !== "object" || ext === null || typeof ext.setup !== "function")
      throw misuse(`${op}: pass an extension object with "id" and "setup", such as one made with defineClientExtension({ id, setup })`);
    checkExtensionId(ext.id, op);
    const id = ext.id;
    checkSettings(ext.settings, `${op} ${JSON.stringify(id)}`);
    if (Object.hasOwn(this.#declared, id)) throw misuse(`${op}: extension ${JSON.stringify(id)} is already in use on this client`);
    const methods = new Map<string, RequestHandler>();
    const notifications = new Map<string, (params: Record<string, unknown>) => void>();
    const claim = (name: string, kind: string, table: Map<string, { owner: string }>, mine: Map<string, unknown>) => {
      if (typeof name !== "string" || name === "" || /\s/.test(name))
        throw misuse(`${id}: ${kind} name must be a non-empty string without spaces`);
      if (isSpecMethod(name))
        throw misuse(`${id}: cannot handle ${JSON.stringify(name)}, which the MCP specification defines; pick another ${kind} name`);
      const taken = table.get(name)?.owner ?? (mine.has(name) ? id : undefined);
      if (taken)
        throw misuse(`${id}: cannot handle ${kind} ${JSON.stringify(name)}, which extension ${JSON.stringify(taken)} already handles`);
    };
    const api = ext.setup({
      id,
      client,
      method: (name, handler) => {
        claim(name, "method", this.#methods, methods);
        methods.set(name, (params, ctx) => handler(params, ctx));
      },
      notification: (name, handler) => {
        claim(name, "notification", this.#notifications, notifications);
        notifications.set(name, handler);
      },
    });
    for (const [name, handler] of methods) this.#methods.set(name, { owner: id, handler });
    for (const [name, handler] of notifications) this.#notifications.set(name, { owner: id, handler });
    this.#declared[id] = ext.settings ?? {};
    return api;
  }

  /** What the client declares in `capabilities.extensions`, or undefined when no extension is in use. */
  get declared(): ExtensionsCapability | undefined {
    return Object.keys(this.#declared).length ? this.#declared : undefined;
  }

  /** Adds the extensions' request handlers to the client's. */
  addHandlers(handlers: Map<string, RequestHandler>): void {
    for (const [name, { handler }] of this.#methods) handlers.set(name, handler);
  }

  /** The extensions' notification handlers, to set on the session. */
  notificationHandlers(): Array<[string, NotificationHandler]> {
    return [...this.#notifications].map(([name, { handler }]) => [name, (params) => handler(params)]);
  }

  /** Records what the server declared, keeping the extensions both sides support. */
  negotiate(serverCapabilities: { extensions?: unknown } | undefined): void {
    this.#negotiated = negotiate(Object.keys(this.#declared), peerExtensions(serverCapabilities));
  }

  /** The server's settings for each extension both sides declared. */
  get negotiated(): Readonly<ExtensionsCapability> {
    return this.#negotiated;
  }
}

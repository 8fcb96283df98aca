/**
 * Server extensions (SEP-2133): the typed face of the registrar. An extension names itself, says what it
 * declares in `capabilities.extensions`, and in `setup` adds methods, notifications, items and hooks through an
 * ExtensionRegistrar — the same table the core's features fill, so an extension cannot take a method the spec
 * defines or another extension handles. Extensions are off until the application calls `server.use(ext)`.
 */
import { ErrorCode, ProtocolError, misuse } from "../protocol/errors.js";
import type { CallToolResult, Tool } from "../protocol/generated/schema-types.js";
import { checkExtensionId, checkSettings, type ExtensionSettings } from "../protocol/extensions.js";
import { isSpecMethod } from "../protocol/methods.js";
import { compileSchema, type SchemaInput, type StandardSchemaV1 } from "../internal/schema.js";
import { HandlerContext } from "./context.js";
import type { Registrar, ServerMethod, ServerNotification } from "./registrar.js";
import type { ServerState } from "./state.js";
import type { PromptConfig, PromptHandler, RegisteredPrompt } from "./prompts.js";
import type { RegisteredResource, ResourceConfig, ResourceHandler, ResourceTemplateConfig, ResourceTemplateHandler } from "./resources.js";
import type { ServerSession } from "./session.js";
import type { RegisteredTool, ToolConfig, ToolHandler } from "./tools.js";

type InferParams<S> = S extends StandardSchemaV1<infer _I, infer O> ? O : Record<string, unknown>;

/** ExtensionMethod is a request method an extension adds. */
export interface ExtensionMethod<S extends SchemaInput | undefined = SchemaInput | undefined> {
  /** What `params` must match (JSON Schema or a Standard Schema); a mismatch is -32602 naming the field. */
  params?: S;
  /** The JSON Schema of `params` when `params` is a Standard Schema that cannot describe itself (documentation only). */
  paramsJsonSchema?: Record<string, unknown>;
  /**
   * Whether a client must have declared this extension to call the method: -32021 (MissingRequiredClientCapability)
   * otherwise. Default false: a client that calls an advertised method has opted in by calling it.
   */
  requireNegotiated?: boolean;
  /** Returns the result object (or a promise of it); throw a ProtocolError for a JSON-RPC error. */
  handler: (params: InferParams<S>, ctx: HandlerContext) => unknown;
}

/** ExtensionNotification handles a notification an extension adds. */
export type ExtensionNotification = (params: Record<string, unknown>, session: ServerSession) => void;

/** ToolCall is what a tool-call hook sees: the tool, the arguments as sent, and the handler's context. */
export interface ToolCall {
  readonly tool: Tool;
  readonly arguments: Record<string, unknown> | undefined;
  readonly ctx: HandlerContext;
}

/** ToolCallHook runs around every tool call: call `next()` to run the tool (or do not, to answer instead of it). */
export type ToolCallHook = (call: ToolCall, next: () => Promise<CallToolResult>) => Promise<CallToolResult>;

/** ToolListHook sees each tool as tools/list is about to show it to `session`: return it changed, or undefined to hide it. */
export type ToolListHook = (tool: Tool, session: ServerSession) => Tool | undefined;

/** ExtensionRegistrar is what an extension's `setup` works with. Everything added is owned by the extension. */
export interface ExtensionRegistrar {
  /** The extension's identifier. */
  readonly id: string;
  /** Adds a request method. Names the spec defines, and names another extension took, are refused. */
  method<S extends SchemaInput | undefined = undefined>(name: string, spec: ExtensionMethod<S>): void;
  /** Adds a handler for a notification clients send. */
  notification(name: string, handler: ExtensionNotification): void;
  registerTool<S extends SchemaInput | undefined = undefined>(name: string, config: ToolConfig<S>, handler: ToolHandler<S>): RegisteredTool;
  registerResource(uri: string, config: ResourceConfig, handler: ResourceHandler): RegisteredResource;
  registerResourceTemplate(uriTemplate: string, config: ResourceTemplateConfig, handler: ResourceTemplateHandler): RegisteredResource;
  registerPrompt(name: string, config: PromptConfig, handler: PromptHandler): RegisteredPrompt;
  /** Runs `hook` around every tool call, the first added outermost. */
  aroundToolCall(hook: ToolCallHook): void;
  /** Lets `hook` change or hide each tool tools/list shows. */
  onToolList(hook: ToolListHook): void;
}

/** ServerExtension is what `server.use()` takes; `setup`'s return value is what `use()` returns. */
export interface ServerExtension<Api = void> {
  /** The identifier, "{vendor-prefix}/{name}", such as "com.example/search". */
  readonly id: string;
  /** What the server declares under `capabilities.extensions[id]`. Default {}. */
  readonly settings?: ExtensionSettings;
  /**
   * When true, the server serves only clients that declared this extension: any other request fails with -32021
   * (MissingRequiredClientCapability) and `data.requiredCapabilities` naming it. Default false.
   */
  readonly requireClient?: boolean;
  /** Adds the extension's methods, items and hooks. Called once, by `server.use()`. */
  setup(registrar: ExtensionRegistrar): Api;
}

/** defineExtension types an extension (it returns its argument), so `server.use()` knows what `setup` returns. */
export function defineExtension<Api = void>(extension: ServerExtension<Api>): ServerExtension<Api> {
  return extension;
}

/** What installing an extension needs from the server: its state, its registrar, and its item registration. */
export interface ExtensionHost {
  state: ServerState;
  registrar: Registrar;
  items: Pick<ExtensionRegistrar, "registerTool" | "registerResource" | "registerResourceTemplate" | "registerPrompt">;
}

/**
 * installExtension runs `ext.setup` and adds what it declared to the registrar in one step. If anything is refused,
 * the items it had registered are removed again and nothing of it stays.
 */
export function installExtension<Api>(ext: ServerExtension<Api>, host: ExtensionHost): Api {
  const op = "server.use";
  if (typeof ext !== "object" || ext === null || typeof ext.setup !== "function")
    throw misuse(`${op}: pass an extension object with "id" and "setup", such as one made with defineExtension({ id, setup })`);
  checkExtensionId(ext.id, op);
  const id = ext.id;
  checkSettings(ext.settings, `${op} ${JSON.stringify(id)}`);
  if (host.state.extensions.has(id)) throw misuse(`${op}: extension ${JSON.stringify(id)} is already in use on this server`);
  const methods: Record<string, ServerMethod> = {};
  const notifications: Record<string, ServerNotification> = {};
  const callHooks: ToolCallHook[] = [];
  const listHooks: ToolListHook[] = [];
  const undo: Array<() => void> = [];
  const claim = (name: string, kind: string, taken: object) => {
    if (typeof name !== "string" || name === "" || /\s/.test(name))
      throw misuse(`${id}: ${kind} name must be a non-empty string without spaces, such as "${id.split("/")[1]}/list"`);
    if (isSpecMethod(name))
      throw misuse(`${id}: cannot handle ${JSON.stringify(name)}, which the MCP specification defines; pick another ${kind} name`);
    if (Object.hasOwn(taken, name)) throw misuse(`${id}: ${kind} ${JSON.stringify(name)} is added twice`);
  };
  const tracked = <R extends { remove(): void }>(r: R): R => {
    undo.push(() => r.remove());
    return r;
  };
  const registrar: ExtensionRegistrar = {
    id,
    method(name, spec) {
      claim(name, "method", methods);
      if (typeof spec?.handler !== "function") throw misuse(`${id}: method ${JSON.stringify(name)} needs a handler function`);
      methods[name] = extensionMethod(id, name, spec as ExtensionMethod);
    },
    notification(name, handler) {
      claim(name, "notification", notifications);
      if (typeof handler !== "function") throw misuse(`${id}: notification ${JSON.stringify(name)} needs a handler function`);
      notifications[name] = (params, session) => handler(params, session);
    },
    registerTool: (name, config, handler) => tracked(host.items.registerTool(name, config, handler)),
    registerResource: (uri, config, handler) => tracked(host.items.registerResource(uri, config, handler)),
    registerResourceTemplate: (t, config, handler) => tracked(host.items.registerResourceTemplate(t, config, handler)),
    registerPrompt: (name, config, handler) => tracked(host.items.registerPrompt(name, config, handler)),
    aroundToolCall: (hook) => void callHooks.push(hook),
    onToolList: (hook) => void listHooks.push(hook),
  };
  const settings = ext.settings ?? {};
  try {
    const api = ext.setup(registrar);
    host.registrar.add({
      owner: `extension ${JSON.stringify(id)}`,
      methods,
      notifications,
      capabilities: [(_state, caps) => void (caps.extensions = { ...(caps.extensions as object), [id]: settings })],
    });
    host.state.extensions.set(id, { settings, requireClient: ext.requireClient === true });
    host.state.toolCallHooks.push(...callHooks);
    host.state.toolListHooks.push(...listHooks);
    return api;
  } catch (err) {
    for (const u of undo.reverse()) u();
    throw err;
  }
}

/** An extension method as a registrar method: params checked against its schema, the handler given a HandlerContext. */
function extensionMethod(id: string, name: string, spec: ExtensionMethod): ServerMethod {
  const schema =
    spec.params === undefined
      ? undefined
      : compileSchema(spec.params, `${id}: method ${JSON.stringify(name)} params`, spec.paramsJsonSchema);
  return async (params, { session, rpc }) => {
    if (spec.requireNegotiated && !Object.hasOwn(session.extensions, id)) throw missingExtension(id);
    let value: unknown = params;
    if (schema) {
      const { _meta, ...rest } = params;
      const checked = await schema.validate(rest);
      if (!checked.ok) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params for ${JSON.stringify(name)}: ${checked.message}`);
      value = _meta === undefined ? checked.value : { ...(checked.value as object), _meta };
    }
    return spec.handler(value as never, new HandlerContext(rpc, session));
  };
}

/** missingExtension is the error the spec names for a request that needs a client extension the client did not declare. */
export function missingExtension(id: string): ProtocolError {
  return new ProtocolError(
    ErrorCode.MissingRequiredClientCapability,
    `missing required client capability: this server needs the client to support the extension ${JSON.stringify(id)} (declare it in capabilities.extensions)`,
    { requiredCapabilities: { extensions: { [id]: {} } } },
  );
}

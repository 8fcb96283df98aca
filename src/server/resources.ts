/**
 * Resources: static resources by URI and RFC 6570 templates, reads, and subscriptions. Reading an unknown
 * URI is the -32002 error with the URI in `data` (resources.mdx, "Error Handling").
 */
import { ErrorCode, ProtocolError, misuse } from "../protocol/errors.js";
import type { Annotations, Icon, ReadResourceResult, Resource, ResourceTemplate } from "../protocol/generated/schema-types.js";
import type { HandlerContext } from "./context.js";
import { checkIcons } from "./icons.js";
import { UriTemplate } from "./uri-template.js";
import { bytesToBase64 } from "../internal/base64.js";
import { HandlerContext as Context } from "./context.js";
import { checkCache, type CacheConfig } from "./caching.js";
import { listPage } from "./pagination.js";
import { checkedResult } from "./results.js";
import { CallSite } from "../internal/caller.js";
import { ReadResourceResult as READ_RESOURCE_RESULT } from "../protocol/generated/validators.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";
import type { ServerState } from "./state.js";

/** What a read handler returns: a full result, or the contents of this one URI as text or bytes. */
export type ResourceReadResult =
  | ReadResourceResult
  | { text: string; mimeType?: string }
  | { blob: string | Uint8Array; mimeType?: string };

export interface ResourceConfig {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  /** OAuth scopes a caller needs to see and read it (HTTP with `auth`). */
  scopes?: string[];
  /** 2026-07-28 caching hints for this item's results, over the server's `cache` option (caching.ts). */
  cache?: CacheConfig;
  /**
   * Whether resources/list shows it. Default true; false for resources clients find another way (a skill's
   * supporting files, an app's view), which stay readable.
   */
  listed?: boolean;
  _meta?: Record<string, unknown>;
}

export type ResourceHandler = (uri: string, ctx: HandlerContext) => ResourceReadResult | Promise<ResourceReadResult>;

/** A completer proposes values for a template variable or prompt argument given what was typed so far. */
export type Completer = (value: string, context: { arguments?: Record<string, string> }) => string[] | Promise<string[]>;

export interface ResourceTemplateConfig extends ResourceConfig {
  /** Completers for template variables, by variable name. */
  complete?: Record<string, Completer>;
}

export type ResourceTemplateHandler = (
  uri: string,
  variables: Record<string, string | string[]>,
  ctx: HandlerContext,
) => ResourceReadResult | Promise<ResourceReadResult>;

export interface ResourceEntry {
  seq: number;
  scopes: string[];
  cache?: CacheConfig;
  listed: boolean;
  definition: Resource;
  handler: ResourceHandler;
  /** Where registerResource was called, for messages about its results. */
  site: CallSite;
}

export interface TemplateEntry {
  seq: number;
  scopes: string[];
  cache?: CacheConfig;
  definition: ResourceTemplate;
  template: UriTemplate;
  complete?: Record<string, Completer>;
  handler: ResourceTemplateHandler;
  /** Where registerResourceTemplate was called, for messages about its results. */
  site: CallSite;
}

export interface RegisteredResource {
  readonly uri: string;
  remove(): void;
}

function describe<T extends Record<string, unknown>>(base: T, config: ResourceConfig, op: string): T {
  if (typeof config?.name !== "string" || config.name === "") throw misuse(`${op}: config.name must be a non-empty string`);
  if (config.icons) checkIcons(config.icons, op);
  const out: Record<string, unknown> = { ...base, name: config.name };
  for (const k of ["title", "description", "mimeType", "size", "annotations", "icons", "_meta"] as const)
    if (config[k] !== undefined) out[k] = config[k];
  delete out.scopes;
  return out as T;
}

export function buildResourceEntry(seq: number, uri: string, config: ResourceConfig, handler: ResourceHandler): ResourceEntry {
  const op = `registerResource ${JSON.stringify(uri)}`;
  if (typeof uri !== "string" || !URL.canParse(uri))
    throw misuse(`${op}: uri must be an absolute URI such as "file:///notes.txt" or "app://config"`);
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  if (config.listed !== undefined && typeof config.listed !== "boolean") throw misuse(`${op}: listed must be true or false`);
  return {
    seq,
    scopes: config.scopes ?? [],
    listed: config.listed !== false,
    cache: checkCache(config.cache, op),
    definition: describe({ uri } as Resource, config, op),
    handler,
    site: new CallSite(),
  };
}

export function buildTemplateEntry(
  seq: number,
  uriTemplate: string,
  config: ResourceTemplateConfig,
  handler: ResourceTemplateHandler,
): TemplateEntry {
  const op = `registerResourceTemplate ${JSON.stringify(uriTemplate)}`;
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  const template = new UriTemplate(uriTemplate);
  if (template.variableNames.length === 0) throw misuse(`${op}: the template has no variables; register it with registerResource instead`);
  for (const v of Object.keys(config.complete ?? {})) {
    if (!template.variableNames.includes(v))
      throw misuse(`${op}: complete names "${v}", which is not a variable of the template (${template.variableNames.join(", ")})`);
  }
  const { complete, ...rest } = config;
  return {
    seq,
    scopes: config.scopes ?? [],
    cache: checkCache(config.cache, op),
    definition: describe({ uriTemplate } as ResourceTemplate, rest, op),
    template,
    complete,
    handler,
    site: new CallSite(),
  };
}

/** toReadResult turns what a handler returned into a ReadResourceResult for `uri`. */
export function toReadResult(uri: string, out: ResourceReadResult, mimeType?: string): ReadResourceResult {
  if ("contents" in out && Array.isArray(out.contents)) {
    if (out.contents.length === 0) throw new ProtocolError(ErrorCode.ResourceNotFound, "Resource not found", { uri });
    return out;
  }
  const mt = (out as { mimeType?: string }).mimeType ?? mimeType;
  if ("text" in out && typeof out.text === "string") return { contents: [{ uri, text: out.text, ...(mt ? { mimeType: mt } : {}) }] };
  if ("blob" in out) {
    const blob = typeof out.blob === "string" ? out.blob : bytesToBase64(out.blob);
    return { contents: [{ uri, blob, ...(mt ? { mimeType: mt } : {}) }] };
  }
  throw new ProtocolError(ErrorCode.InternalError, `resource handler for "${uri}" returned neither { contents }, { text } nor { blob }`);
}

export function resourceNotFound(uri: string): ProtocolError {
  return new ProtocolError(ErrorCode.ResourceNotFound, "Resource not found", { uri });
}

/**
 * findResource resolves a URI the way reads do: the fixed resource registered at it, else the first template
 * (in registration order) that matches it, with the template's variables.
 */
export function findResource(
  state: ServerState,
  uri: string,
): { resource: ResourceEntry } | { template: TemplateEntry; vars: Record<string, string | string[]> } | undefined {
  const resource = state.resources.get(uri);
  if (resource) return { resource };
  for (const template of state.templates.values()) {
    const vars = template.template.match(uri);
    if (vars) return { template, vars };
  }
  return undefined;
}

/** resources/list and resources/templates/list: what the caller may read, a page at a time. */
export const listResources: ServerMethod = (params, { state, rpc }) =>
  listPage(
    state,
    rpc,
    state.unlisted ? [...state.resources.values()].filter((r) => r.listed) : state.resources.values(),
    params.cursor,
    "resources",
  );
export const listResourceTemplates: ServerMethod = (params, { state, rpc }) =>
  listPage(state, rpc, state.templates.values(), params.cursor, "resourceTemplates");

/** resources/read: a fixed resource, else the first matching template; -32002 with the URI when none is. */
export const readResource: ServerMethod = async (params, { state, session, rpc }) => {
  const uri = params.uri as string;
  const found = findResource(state, uri);
  if (!found) throw resourceNotFound(uri);
  const ctx = new Context(rpc, session);
  if ("resource" in found) {
    const r = found.resource;
    return checkedResult(
      state.options.onerror,
      READ_RESOURCE_RESULT,
      toReadResult(uri, await r.handler(uri, ctx), r.definition.mimeType),
      `resource "${uri}"`,
      r.site,
    );
  }
  const t = found.template;
  const out = toReadResult(uri, await t.handler(uri, found.vars, ctx), t.definition.mimeType);
  return checkedResult(
    state.options.onerror,
    READ_RESOURCE_RESULT,
    out,
    `resource template "${t.definition.uriTemplate}" (reading "${uri}")`,
    t.site,
  );
};

/** The most resource subscriptions one session may hold (each is kept, and recorded with the session). */
const MAX_SUBSCRIPTIONS = 1000;

/** resources/subscribe and unsubscribe: per session; McpServer.notifyResourceUpdated tells the subscribers. */
export const subscribe: ServerMethod = async (params, { session }) => {
  const subs = (session.subscriptions ??= new Set());
  if (subs.size >= MAX_SUBSCRIPTIONS && !subs.has(params.uri as string))
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `invalid params: this session already has ${MAX_SUBSCRIPTIONS} subscriptions, the most allowed; unsubscribe from some first`,
    );
  subs.add(params.uri as string);
  await session.onstatechange?.();
  return {};
};
export const unsubscribe: ServerMethod = async (params, { session }) => {
  session.subscriptions?.delete(params.uri as string);
  await session.onstatechange?.();
  return {};
};

/** The server declares resources (with subscriptions) once one or a template is registered. */
export const resourcesCapability: CapabilityContribution = (state, caps) => {
  if (state.resources.size || state.templates.size || state.forced.resources)
    caps.resources = { subscribe: true, listChanged: true, ...state.forced.resources };
};

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

/** What a read handler returns: a full result, or the contents of this one URI as text or bytes. */
export type ResourceReadResult = ReadResourceResult | { text: string; mimeType?: string } | { blob: string | Uint8Array; mimeType?: string };

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
  _meta?: Record<string, unknown>;
}

export type ResourceHandler = (uri: string, ctx: HandlerContext) => ResourceReadResult | Promise<ResourceReadResult>;

/** A completer proposes values for a template variable or prompt argument given what was typed so far. */
export type Completer = (value: string, context: { arguments?: Record<string, string> }) => string[] | Promise<string[]>;

export interface ResourceTemplateConfig extends ResourceConfig {
  /** Completers for template variables, by variable name. */
  complete?: Record<string, Completer>;
}

export type ResourceTemplateHandler = (uri: string, variables: Record<string, string | string[]>, ctx: HandlerContext) => ResourceReadResult | Promise<ResourceReadResult>;

export interface ResourceEntry {
  seq: number;
  scopes: string[];
  definition: Resource;
  handler: ResourceHandler;
}

export interface TemplateEntry {
  seq: number;
  scopes: string[];
  definition: ResourceTemplate;
  template: UriTemplate;
  complete?: Record<string, Completer>;
  handler: ResourceTemplateHandler;
}

export interface RegisteredResource {
  readonly uri: string;
  remove(): void;
}

function describe<T extends Record<string, unknown>>(base: T, config: ResourceConfig, op: string): T {
  if (typeof config?.name !== "string" || config.name === "") throw misuse(`${op}: config.name must be a non-empty string`);
  if (config.icons) checkIcons(config.icons, op);
  const out: Record<string, unknown> = { ...base, name: config.name };
  for (const k of ["title", "description", "mimeType", "size", "annotations", "icons", "_meta"] as const) if (config[k] !== undefined) out[k] = config[k];
  delete out.scopes;
  return out as T;
}

export function buildResourceEntry(seq: number, uri: string, config: ResourceConfig, handler: ResourceHandler): ResourceEntry {
  const op = `registerResource ${JSON.stringify(uri)}`;
  if (typeof uri !== "string" || !URL.canParse(uri)) throw misuse(`${op}: uri must be an absolute URI such as "file:///notes.txt" or "app://config"`);
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  return { seq, scopes: config.scopes ?? [], definition: describe({ uri } as Resource, config, op), handler };
}

export function buildTemplateEntry(seq: number, uriTemplate: string, config: ResourceTemplateConfig, handler: ResourceTemplateHandler): TemplateEntry {
  const op = `registerResourceTemplate ${JSON.stringify(uriTemplate)}`;
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  const template = new UriTemplate(uriTemplate);
  if (template.variableNames.length === 0) throw misuse(`${op}: the template has no variables; register it with registerResource instead`);
  for (const v of Object.keys(config.complete ?? {})) {
    if (!template.variableNames.includes(v)) throw misuse(`${op}: complete names "${v}", which is not a variable of the template (${template.variableNames.join(", ")})`);
  }
  const { complete, ...rest } = config;
  return { seq, scopes: config.scopes ?? [], definition: describe({ uriTemplate } as ResourceTemplate, rest, op), template, complete, handler };
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

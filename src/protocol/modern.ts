/**
 * The 2026-07-28 revision (the "modern" era) beside 2025-11-25: no handshake and no session; every request names
 * its revision, the client's capabilities and identity in `_meta` (basic/index.mdx, "Request metadata"). This file
 * holds what both sides need to tell the eras apart and to shape messages for the new one; the server and the
 * HTTP transport decide per request which era they answer in.
 */
import { ErrorCode, ProtocolError } from "./errors.js";
import type { ClientCapabilities, Implementation, LoggingLevel } from "./generated/schema-types.js";

/** The modern revisions Trellis speaks, newest first. They are never negotiated through `initialize`. */
export const MODERN_PROTOCOL_VERSIONS = ["2026-07-28"] as const;
export type ModernProtocolVersion = (typeof MODERN_PROTOCOL_VERSIONS)[number];
export const MODERN_PROTOCOL_VERSION: ModernProtocolVersion = "2026-07-28";

/** The `_meta` keys of a modern request and result. */
export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** The tasks extension (SEP-2663): 2026-07-28's tasks, declared in the extensions of both sides' capabilities. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** The error codes 2026-07-28 adds (basic/index.mdx, "Error codes"). */
export const ModernErrorCode = {
  /** A header disagrees with the body, or a required header is missing or malformed. */
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: ErrorCode.MissingRequiredClientCapability,
  /** The request names a revision this server does not speak; data: { supported, requested }. */
  UnsupportedProtocolVersion: -32022,
} as const;

/** Methods 2026-07-28 removed: a modern request for one is answered -32601 (HTTP 404). */
export const REMOVED_IN_MODERN = new Set([
  "initialize",
  "ping",
  "logging/setLevel",
  "resources/subscribe",
  "resources/unsubscribe",
  "tasks/result",
  "tasks/list",
]);

/** Results that carry caching hints (server/utilities/caching.mdx). */
export const CACHEABLE_METHODS = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/** Methods whose result may be `input_required` (basic/patterns/mrtr.mdx). */
export const INPUT_METHODS = new Set(["tools/call", "prompts/get", "resources/read"]);

export function isModernVersion(v: unknown): v is ModernProtocolVersion {
  return typeof v === "string" && (MODERN_PROTOCOL_VERSIONS as readonly string[]).includes(v);
}

/** What a modern request says about its client, read from `_meta`. */
export interface Envelope {
  protocolVersion: ModernProtocolVersion;
  clientCapabilities: ClientCapabilities;
  clientInfo?: Implementation;
  logLevel?: LoggingLevel;
}

type Obj = Record<string, unknown>;

/** claimsModern tells whether a message's params carry the modern envelope (its protocol version key). */
export function claimsModern(params: unknown): boolean {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  return typeof meta === "object" && meta !== null && META.protocolVersion in meta;
}

const LEVELS = new Set(["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);

/**
 * readEnvelope checks a modern request's `_meta` and returns what it says, or throws the error the revision names:
 * -32602 for a missing or malformed key, -32022 for a revision this side does not speak.
 */
export function readEnvelope(params: unknown): Envelope {
  const meta = (params as { _meta?: unknown } | undefined)?._meta as Obj | undefined;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta))
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `invalid params: a ${MODERN_PROTOCOL_VERSION} request needs "_meta" with "${META.protocolVersion}" and "${META.clientCapabilities}"`,
    );
  const version = meta[META.protocolVersion];
  if (typeof version !== "string")
    throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "_meta" lacks "${META.protocolVersion}" (a string)`);
  const caps = meta[META.clientCapabilities];
  if (typeof caps !== "object" || caps === null || Array.isArray(caps))
    throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "_meta" lacks "${META.clientCapabilities}" (an object)`);
  if (!isModernVersion(version)) throw unsupportedVersion(version);
  const info = meta[META.clientInfo];
  if (info !== undefined && (typeof info !== "object" || info === null || typeof (info as Obj).name !== "string"))
    throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "${META.clientInfo}" must be { name, version }`);
  const level = meta[META.logLevel];
  if (level !== undefined && !LEVELS.has(level as string))
    throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "${META.logLevel}" must be a log level such as "info"`);
  return {
    protocolVersion: version,
    clientCapabilities: caps as ClientCapabilities,
    clientInfo: info as Implementation | undefined,
    logLevel: level as LoggingLevel | undefined,
  };
}

export function unsupportedVersion(requested: string): ProtocolError {
  return new ProtocolError(
    ModernErrorCode.UnsupportedProtocolVersion,
    `unsupported protocol version ${JSON.stringify(requested)}; this server speaks ${MODERN_PROTOCOL_VERSIONS.join(", ")} (and older revisions through initialize)`,
    { supported: [...MODERN_PROTOCOL_VERSIONS], requested },
  );
}

/** missingCapability is the -32021 error for a client that did not declare what a request needs. */
export function missingCapability(required: ClientCapabilities, what: string): ProtocolError {
  return new ProtocolError(
    ModernErrorCode.MissingRequiredClientCapability,
    `the client did not declare ${what}, which this request needs`,
    {
      requiredCapabilities: required,
    },
  );
}

/** The caching hints a result carries (server/utilities/caching.mdx). */
export interface CacheHints {
  ttlMs: number;
  cacheScope: "public" | "private";
}

/**
 * shapeModernResult adds what every modern result carries: `resultType` ("complete" unless the handler chose),
 * caching hints on cacheable results, the server's identity in `_meta`; and drops what the revision removed
 * (tools' `execution`, the `tasks` capability).
 */
export function shapeModernResult(method: string, result: Obj, serverInfo: Implementation, cache: CacheHints): Obj {
  const out: Obj = { ...result };
  out.resultType ??= "complete";
  if (out.resultType === "complete" && CACHEABLE_METHODS.has(method)) {
    out.ttlMs ??= cache.ttlMs;
    out.cacheScope ??= cache.cacheScope;
  }
  if (method === "tools/list" && Array.isArray(out.tools))
    out.tools = (out.tools as Obj[]).map((t) => {
      if (!("execution" in t)) return t;
      const { execution: _, ...rest } = t;
      return rest;
    });
  out._meta = { ...(out._meta as Obj | undefined), [META.serverInfo]: serverInfo };
  return out;
}

/**
 * encodeHeaderValue: a value a header can carry as is (visible ASCII, no edge spaces), else `=?base64?…?=` of its
 * UTF-8 (basic/transports, "Header encoding"). The empty string stays empty.
 */
export function encodeHeaderValue(v: string): string {
  if (v === "" || (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(v) && !/^=\?base64\?.*\?=$/.test(v))) return v;
  let bin = "";
  for (const b of new TextEncoder().encode(v)) bin += String.fromCharCode(b);
  return `=?base64?${btoa(bin)}?=`;
}

/**
 * decodeHeaderValue reads a standard header: trimmed, and decoded when sent as `=?base64?…?=`. A malformed base64
 * value decodes to a string no body value equals, so it is refused as a mismatch.
 */
export function decodeHeaderValue(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const v = raw.trim();
  const b64 = /^=\?base64\?(.*)\?=$/.exec(v);
  if (!b64) return v;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64[1]!) || b64[1]!.length % 4 !== 0) return "\u0000invalid base64";
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(b64[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return "\u0000invalid base64";
  }
}

/**
 * requestName is what a request's Mcp-Name header carries (basic/transports, "Standard headers"): the tool or prompt
 * name, the resource URI, the task id; undefined for methods that name nothing.
 */
export function requestName(method: string, params: Record<string, unknown> | undefined): string | undefined {
  const v =
    method === "tools/call" || method === "prompts/get"
      ? params?.name
      : method === "resources/read"
        ? params?.uri
        : method === "tasks/get" || method === "tasks/update" || method === "tasks/cancel"
          ? params?.taskId
          : undefined;
  return typeof v === "string" ? v : undefined;
}

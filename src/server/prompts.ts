/** Prompts: registration with declared arguments, listing, and prompts/get with argument checks. */
import { ErrorCode, ProtocolError, misuse } from "../protocol/errors.js";
import type { GetPromptResult, Icon, Prompt, PromptArgument, PromptMessage } from "../protocol/generated/schema-types.js";
import type { HandlerContext } from "./context.js";
import { checkIcons } from "./icons.js";
import type { Completer } from "./resources.js";
import { HandlerContext as Context } from "./context.js";
import { checkCache, type CacheConfig } from "./caching.js";
import { listPage } from "./pagination.js";
import { checkedResult } from "./results.js";
import { CallSite } from "../internal/caller.js";
import { GetPromptResult as GET_PROMPT_RESULT } from "../protocol/generated/validators.js";
import type { ServerState } from "./state.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";

export interface PromptArgumentConfig extends PromptArgument {
  /** Proposes values for this argument in completion/complete. */
  complete?: Completer;
}

export interface PromptConfig {
  title?: string;
  description?: string;
  arguments?: PromptArgumentConfig[];
  icons?: Icon[];
  /** OAuth scopes a caller needs to see and get it (HTTP with `auth`). */
  scopes?: string[];
  /** 2026-07-28 caching hints for this item's results, over the server's `cache` option (caching.ts). */
  cache?: CacheConfig;
  _meta?: Record<string, unknown>;
}

/** What a prompt handler returns: a full result or just its messages. */
export type PromptResult = GetPromptResult | PromptMessage[];
export type PromptHandler = (args: Record<string, string>, ctx: HandlerContext) => PromptResult | Promise<PromptResult>;

export interface PromptEntry {
  seq: number;
  scopes: string[];
  cache?: CacheConfig;
  name: string;
  definition: Prompt;
  complete: Map<string, Completer>;
  handler: PromptHandler;
  /** Where registerPrompt was called, for messages about its results. */
  site: CallSite;
}

export interface RegisteredPrompt {
  readonly name: string;
  remove(): void;
}

export function buildPromptEntry(seq: number, name: string, config: PromptConfig, handler: PromptHandler): PromptEntry {
  const op = `registerPrompt ${JSON.stringify(name)}`;
  if (typeof name !== "string" || name === "") throw misuse(`${op}: name must be a non-empty string`);
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  if (config.icons) checkIcons(config.icons, op);
  const complete = new Map<string, Completer>();
  const seen = new Set<string>();
  const args: PromptArgument[] = [];
  for (const a of config.arguments ?? []) {
    if (typeof a?.name !== "string" || a.name === "") throw misuse(`${op}: every argument needs a non-empty name`);
    if (seen.has(a.name)) throw misuse(`${op}: argument "${a.name}" is declared twice; remove one`);
    seen.add(a.name);
    const { complete: c, ...arg } = a;
    if (c) complete.set(a.name, c);
    args.push(arg);
  }
  const definition: Prompt = { name };
  if (config.title !== undefined) definition.title = config.title;
  if (config.description !== undefined) definition.description = config.description;
  if (args.length) definition.arguments = args;
  if (config.icons) definition.icons = config.icons;
  if (config._meta) definition._meta = config._meta;
  return {
    seq,
    scopes: config.scopes ?? [],
    cache: checkCache(config.cache, op),
    name,
    definition,
    complete,
    handler,
    site: new CallSite(),
  };
}

/** getPrompt checks the arguments against the declaration, runs the handler, and checks its result (results.ts). */
export async function getPrompt(
  state: ServerState,
  entry: PromptEntry,
  args: Record<string, string> | undefined,
  ctx: HandlerContext,
): Promise<GetPromptResult> {
  const given = args ?? {};
  for (const a of entry.definition.arguments ?? []) {
    if (a.required && typeof given[a.name] !== "string") {
      throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: prompt "${entry.name}" needs argument "${a.name}"`);
    }
  }
  const out = await entry.handler(given, ctx);
  const result: GetPromptResult = Array.isArray(out) ? { messages: out } : out;
  if (!Array.isArray(result?.messages))
    throw new ProtocolError(ErrorCode.InternalError, `prompt "${entry.name}" returned no messages; return { messages: [...] }`);
  if (entry.definition.description !== undefined && result.description === undefined)
    return checkedResult(
      state.options.onerror,
      GET_PROMPT_RESULT,
      { description: entry.definition.description, ...result },
      `prompt "${entry.name}"`,
      entry.site,
    );
  return checkedResult(state.options.onerror, GET_PROMPT_RESULT, result, `prompt "${entry.name}"`, entry.site);
}

/** prompts/list: the prompts the caller may use, a page at a time. */
export const listPrompts: ServerMethod = (params, { state, rpc }) => listPage(state, rpc, state.prompts.values(), params.cursor, "prompts");

/** prompts/get: an unknown prompt is -32602; required arguments are checked before the handler runs. */
export const getPromptMethod: ServerMethod = (params, { state, session, rpc }) => {
  const name = params.name as string;
  const entry = state.prompts.get(name);
  if (!entry)
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `invalid params: unknown prompt ${JSON.stringify(name)}; call prompts/list for the available prompts`,
    );
  return getPrompt(state, entry, params.arguments as Record<string, string> | undefined, new Context(rpc, session));
};

/** The server declares prompts once one is registered. */
export const promptsCapability: CapabilityContribution = (state, caps) => {
  if (state.prompts.size || state.forced.prompts) caps.prompts = { listChanged: true, ...state.forced.prompts };
};

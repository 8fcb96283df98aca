/**
 * Caching hints (2026-07-28, server/utilities/caching.mdx): `ttlMs` and `cacheScope` on server/discover, the lists
 * and resources/read. The server's `cache` option is the default; a tool, prompt, resource or template may say its
 * own (`cache` in its config). A read takes its resource's hints; a list is as fresh as its least fresh item and
 * public only when every item is, and a list that differs per caller (filtered by scopes, or by an extension) is
 * private whatever the items say — the same scope on every page, as the revision requires.
 */
import { misuse } from "../protocol/errors.js";
import type { CacheHints } from "../protocol/modern.js";
import type { RequestContext } from "../jsonrpc/session.js";
import { findResource } from "./resources.js";
import type { ServerState } from "./state.js";

/** What a server, or one item, says about caching its results. */
export interface CacheConfig {
  /** How long a client may keep the result, in ms (an integer >= 0). */
  ttlMs?: number;
  /** "public": the same for every caller; "private": per authorization context. */
  cacheScope?: "public" | "private";
}

/** checkCache validates a `cache` option at registration and returns it (undefined when absent). */
export function checkCache(cache: CacheConfig | undefined, op: string): CacheConfig | undefined {
  if (cache === undefined) return undefined;
  if (typeof cache !== "object" || cache === null)
    throw misuse(`${op}: cache must be an object such as { ttlMs: 60000, cacheScope: "public" }`);
  if (cache.ttlMs !== undefined && !(Number.isInteger(cache.ttlMs) && cache.ttlMs >= 0))
    throw misuse(`${op}: cache.ttlMs must be a whole number of milliseconds, 0 or more (0: do not reuse)`);
  if (cache.cacheScope !== undefined && cache.cacheScope !== "public" && cache.cacheScope !== "private")
    throw misuse(`${op}: cache.cacheScope must be "public" or "private"`);
  return cache;
}

/** The server's default hints: none kept, none shared, unless its `cache` option says otherwise. */
export function defaultHints(state: ServerState): CacheHints {
  return { ttlMs: state.options.cache?.ttlMs ?? 0, cacheScope: state.options.cache?.cacheScope ?? "private" };
}

interface Cached {
  cache?: CacheConfig;
  scopes: string[];
}

/** combine: the hints of a result made of `items`. */
function combine(base: CacheHints, items: Iterable<Cached>, perCaller: boolean): CacheHints {
  let ttlMs = Infinity;
  let open = !perCaller;
  let any = false;
  for (const item of items) {
    any = true;
    ttlMs = Math.min(ttlMs, item.cache?.ttlMs ?? base.ttlMs);
    if ((item.cache?.cacheScope ?? base.cacheScope) !== "public") open = false;
  }
  if (!any) return perCaller ? { ...base, cacheScope: "private" } : base;
  return { ttlMs, cacheScope: open ? "public" : "private" };
}

/** hintsFor: the caching hints of one 2026-07-28 result. */
export function hintsFor(state: ServerState, method: string, params: Record<string, unknown>, rpc: RequestContext): CacheHints {
  const base = defaultHints(state);
  // A list filtered by the caller's scopes differs per caller.
  const filtered = (items: Cached[]) => state.filtersFor(rpc) && items.some((i) => i.scopes.length > 0);
  switch (method) {
    case "tools/list": {
      const items = [...state.tools.values()];
      return combine(base, items, filtered(items) || state.toolListHooks.length > 0);
    }
    case "prompts/list": {
      const items = [...state.prompts.values()];
      return combine(base, items, filtered(items));
    }
    case "resources/list": {
      const items = [...state.resources.values()].filter((r) => r.listed);
      return combine(base, items, filtered(items));
    }
    case "resources/templates/list": {
      const items = [...state.templates.values()];
      return combine(base, items, filtered(items));
    }
    case "resources/read": {
      const found = typeof params.uri === "string" ? findResource(state, params.uri) : undefined;
      if (!found) return base;
      const item = "resource" in found ? found.resource : found.template;
      // A resource only some callers may read must not be served from a cache shared with the others.
      return combine(base, [item], rpc.extra?.authInfo !== undefined && item.scopes.length > 0);
    }
    default:
      return base;
  }
}

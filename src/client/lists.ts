/**
 * Lists on the client: walking every page of a list method, and the cache of complete lists that McpClient keeps
 * until the server says a list changed (notifications/<kind>/list_changed) or, at 2026-07-28, until the `ttlMs`
 * its pages carried runs out (0: not kept at all).
 */
import type { Prompt, Resource, ResourceTemplate, Tool } from "../protocol/generated/schema-types.js";

type Params = Record<string, unknown>;

/** The lists a client caches. */
export interface CachedLists {
  tools: Tool[];
  resources: Resource[];
  templates: ResourceTemplate[];
  prompts: Prompt[];
}

/** pages yields every item of a paginated list method, fetching the next page only when the caller wants more. */
export async function* pages<T>(
  request: (params: Params | undefined) => Promise<Params>,
  key: string,
  hints?: { ttlMs?: number },
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await request(cursor === undefined ? undefined : { cursor });
    // The shortest lifetime of any page is the list's.
    if (hints && typeof page.ttlMs === "number") hints.ttlMs = Math.min(hints.ttlMs ?? Number.POSITIVE_INFINITY, page.ttlMs);
    yield* page[key] as T[];
    cursor = page.nextCursor as string | undefined;
  } while (cursor);
}

export class ListCache {
  readonly #lists: Partial<CachedLists> = {};
  readonly #expires: Partial<Record<keyof CachedLists, number>> = {};

  /** The cached list, if complete. */
  get<K extends keyof CachedLists>(key: K): CachedLists[K] | undefined {
    return this.#lists[key];
  }

  /** all collects a list into the cache, or serves it from there. */
  async all<K extends keyof CachedLists>(
    key: K,
    iterate: (hints: { ttlMs?: number }) => AsyncGenerator<CachedLists[K][number]>,
  ): Promise<CachedLists[K]> {
    const cached = this.#lists[key];
    if (cached && (this.#expires[key] ?? Number.POSITIVE_INFINITY) > Date.now()) return cached;
    const all: CachedLists[K][number][] = [];
    const hints: { ttlMs?: number } = {};
    for await (const item of iterate(hints)) all.push(item);
    this.#lists[key] = all as CachedLists[K];
    if (hints.ttlMs === undefined) delete this.#expires[key];
    else this.#expires[key] = Date.now() + hints.ttlMs;
    return all as CachedLists[K];
  }

  /** changed drops what a list_changed notification of `kind` makes stale. */
  changed(kind: "tools" | "resources" | "prompts"): void {
    if (kind === "resources") delete this.#lists.templates;
    delete this.#lists[kind];
  }
}

/**
 * Lists on the client: walking every page of a list method, and the cache of complete lists that McpClient keeps
 * until the server says a list changed (notifications/<kind>/list_changed).
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
export async function* pages<T>(request: (params: Params | undefined) => Promise<Params>, key: string): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await request(cursor === undefined ? undefined : { cursor });
    yield* page[key] as T[];
    cursor = page.nextCursor as string | undefined;
  } while (cursor);
}

export class ListCache {
  readonly #lists: Partial<CachedLists> = {};

  /** The cached list, if complete. */
  get<K extends keyof CachedLists>(key: K): CachedLists[K] | undefined {
    return this.#lists[key];
  }

  /** all collects a list into the cache, or serves it from there. */
  async all<K extends keyof CachedLists>(key: K, iterate: () => AsyncGenerator<CachedLists[K][number]>): Promise<CachedLists[K]> {
    const cached = this.#lists[key];
    if (cached) return cached;
    const all: CachedLists[K][number][] = [];
    for await (const item of iterate()) all.push(item);
    this.#lists[key] = all as CachedLists[K];
    return all as CachedLists[K];
  }

  /** changed drops what a list_changed notification of `kind` makes stale. */
  changed(kind: "tools" | "resources" | "prompts"): void {
    if (kind === "resources") delete this.#lists.templates;
    delete this.#lists[kind];
  }
}

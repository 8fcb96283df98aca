/**
 * Opaque-cursor pagination for every list. A cursor names the registration sequence number of the last
 * item sent, so pages stay correct when items are added or removed between calls.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { ServerState } from "./state.js";

/** DEFAULT_PAGE_SIZE is the number of items per list page unless `pageSize` is set. */
export const DEFAULT_PAGE_SIZE = 100;

export interface Sequenced {
  seq: number;
}

/** paginate returns one page of `items` (ordered by seq) after `cursor`, and the next cursor if any. */
export function paginate<T extends Sequenced>(items: Iterable<T>, cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  let after = -1;
  if (cursor !== undefined) {
    after = decodeCursor(cursor);
  }
  const page: T[] = [];
  let more = false;
  for (const item of items) {
    if (item.seq <= after) continue;
    if (page.length === pageSize) {
      more = true;
      break;
    }
    page.push(item);
  }
  return more ? { page, nextCursor: encodeCursor(page[page.length - 1]!.seq) } : { page };
}

/** listPage answers a list method: the page of what the caller may see, under `key`, with nextCursor when there is more. */
export function listPage<T extends Sequenced & { scopes: string[]; definition: unknown }>(
  state: ServerState,
  rpc: RequestContext,
  items: Iterable<T>,
  cursor: unknown,
  key: string,
): Record<string, unknown> {
  const { page, nextCursor } = paginate(state.visible(items, rpc), cursor, state.pageSize);
  const list = page.map((i) => i.definition);
  return nextCursor ? { [key]: list, nextCursor } : { [key]: list };
}

function encodeCursor(seq: number): string {
  return btoa(`trellis:${seq}`).replace(/=+$/, "");
}

function decodeCursor(cursor: unknown): number {
  if (typeof cursor === "string") {
    let text = "";
    try {
      text = atob(cursor);
    } catch {
      // not base64: fall through to the error below
    }
    const m = /^trellis:(\d+)$/.exec(text);
    if (m) return Number(m[1]);
  }
  throw new ProtocolError(
    ErrorCode.InvalidParams,
    `invalid params: cursor ${JSON.stringify(cursor)} was not issued by this server; omit it to start from the first page`,
  );
}

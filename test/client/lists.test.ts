/** Lists on the client: every page walked lazily, and the cache that list_changed drops. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ListCache, pages } from "../../src/client/lists.js";

test("pages asks for the next page only when more items are wanted, with the cursor it was given", async () => {
  const asked: unknown[] = [];
  const request = async (params: Record<string, unknown> | undefined) => {
    asked.push(params);
    const n = Number(params?.cursor ?? 0);
    return n < 2 ? { items: [n * 2, n * 2 + 1], nextCursor: String(n + 1) } : { items: [n * 2] };
  };
  const got: number[] = [];
  for await (const i of pages<number>(request, "items")) {
    got.push(i);
    if (got.length === 3) break;
  }
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(asked, [undefined, { cursor: "1" }], "the third page was never fetched");
  const all: number[] = [];
  for await (const i of pages<number>(request, "items")) all.push(i);
  assert.deepEqual(all, [0, 1, 2, 3, 4]);
});

test("ListCache serves a complete list until its kind changes; resources changing drops templates too", async () => {
  const c = new ListCache();
  let runs = 0;
  const iterate = async function* () {
    runs++;
    yield { name: "t" } as never;
  };
  await c.all("tools", iterate);
  await c.all("tools", iterate);
  assert.equal(runs, 1);
  c.changed("tools");
  await c.all("tools", iterate);
  assert.equal(runs, 2);
  await c.all("templates", iterate);
  c.changed("resources");
  assert.equal(c.get("templates"), undefined);
  assert.ok(c.get("tools"));
});

test("ListCache: a list whose pages carried ttlMs (2026-07-28) is kept that long, the shortest page deciding; 0 keeps nothing", async () => {
  let fetched = 0;
  const server = (ttl: number[]) => (params: Record<string, unknown> | undefined) => {
    fetched++;
    const page = params?.cursor === "2" ? 1 : 0;
    return Promise.resolve({ tools: [{ name: `t${page}` }], ttlMs: ttl[page], ...(page === 0 ? { nextCursor: "2" } : {}) });
  };
  const cache = new ListCache();
  const list = (ttl: number[]) => cache.all("tools", (hints) => pages((p) => server(ttl)(p), "tools", hints));
  assert.equal((await list([60_000, 0])).length, 2);
  fetched = 0;
  await list([60_000, 0]);
  assert.equal(fetched, 2, "the shortest page (0) means: not kept");
  const kept = new ListCache();
  const list2 = () => kept.all("tools", (hints) => pages((p) => server([60_000, 30_000])(p), "tools", hints));
  await list2();
  fetched = 0;
  await list2();
  assert.equal(fetched, 0, "kept for 30 s");
});

/** Pagination: opaque cursors that stay right when items come and go between pages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { paginate } from "../../src/server/pagination.js";
import { ProtocolError } from "../../src/protocol/errors.js";

const items = (...seqs: number[]) => seqs.map((seq) => ({ seq }));

test("paginate: pages in order; the next page starts after the last item sent, even if items were added or removed", () => {
  const first = paginate(items(1, 2, 3, 4, 5), undefined, 2);
  assert.deepEqual(
    first.page.map((i) => i.seq),
    [1, 2],
  );
  // Item 2 removed and 6 added before the next page: nothing is skipped or repeated.
  const second = paginate(items(1, 3, 4, 5, 6), first.nextCursor, 2);
  assert.deepEqual(
    second.page.map((i) => i.seq),
    [3, 4],
  );
  const last = paginate(items(1, 3, 4, 5, 6), second.nextCursor, 2);
  assert.deepEqual(
    last.page.map((i) => i.seq),
    [5, 6],
  );
  assert.equal(last.nextCursor, undefined);
  assert.equal(paginate(items(), undefined, 2).nextCursor, undefined);
});

test("paginate: a cursor this server did not issue is -32602 naming the fix", () => {
  for (const bad of ["nope", btoa("other:1"), 7, ""]) {
    assert.throws(
      () => paginate(items(1), bad, 2),
      (e: unknown) => e instanceof ProtocolError && e.code === -32602 && /omit it to start from the first page/.test(e.message),
      String(bad),
    );
  }
});

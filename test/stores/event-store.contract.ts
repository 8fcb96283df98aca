/** The EventStore contract: every backend runs this suite with its own factory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EventStore } from "../../src/stores/event-store.js";

export function eventStoreContract(name: string, make: () => EventStore) {
  test(`${name}: replays a stream's events after a sequence number, in order`, async () => {
    const s = make();
    for (let i = 1; i <= 5; i++) await s.append("sess", "st", i, { jsonrpc: "2.0", method: "m", params: { i } });
    const got = (await s.replay("sess", "st", 2))!;
    assert.deepEqual(
      got.map((e) => e.seq),
      [3, 4, 5],
    );
    assert.deepEqual(got[0]!.message, { jsonrpc: "2.0", method: "m", params: { i: 3 } });
    assert.deepEqual(await s.replay("sess", "st", 5), []);
    await s.close?.();
  });
  test(`${name}: another session cannot replay a stream it does not own`, async () => {
    const s = make();
    await s.append("a", "st", 1, { jsonrpc: "2.0", method: "secret" });
    assert.equal(await s.replay("b", "st", 0), undefined);
    assert.equal(await s.replay("a", "unknown", 0), undefined);
    await s.close?.();
  });
  test(`${name}: deleteSession forgets every stream of the session`, async () => {
    const s = make();
    await s.append("a", "s1", 1, { jsonrpc: "2.0", method: "x" });
    await s.append("a", "s2", 1, { jsonrpc: "2.0", method: "x" });
    await s.append("b", "s3", 1, { jsonrpc: "2.0", method: "x" });
    await s.deleteSession("a");
    assert.equal(await s.replay("a", "s1", 0), undefined);
    assert.equal(await s.replay("a", "s2", 0), undefined);
    assert.equal((await s.replay("b", "s3", 0))!.length, 1);
    await s.close?.();
  });
}

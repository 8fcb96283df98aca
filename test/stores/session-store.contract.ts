/** The SessionStore contract: every backend runs this suite with its own factory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SessionRecord, SessionStore } from "../../src/stores/session-store.js";

function record(sessionId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    sessionId,
    protocolVersion: "2025-11-25",
    clientCapabilities: { roots: {} },
    clientInfo: { name: "c", version: "1" },
    createdAt: now,
    lastSeenAt: now,
    ...over,
  };
}

export function sessionStoreContract(name: string, make: () => SessionStore) {
  test(`${name}: save, load, touch and delete; a copy comes back, not the stored object`, async () => {
    const s = make();
    const r = record("s1", { owner: '["https://as","sub","alice"]' });
    await s.save(r);
    assert.deepEqual(await s.load("s1"), r);
    assert.equal(await s.load("nope"), undefined);
    await s.touch("s1", r.lastSeenAt + 5000);
    assert.equal((await s.load("s1"))!.lastSeenAt, r.lastSeenAt + 5000);
    await s.touch("nope", 1); // ignored
    await s.delete("s1");
    assert.equal(await s.load("s1"), undefined);
    await s.close?.();
  });
  test(`${name}: sweep deletes sessions idle since before the cut-off and returns their ids`, async () => {
    const s = make();
    const now = Date.now();
    await s.save(record("idle", { lastSeenAt: now - 60_000 }));
    await s.save(record("used", { createdAt: now - 60_000, lastSeenAt: now - 60_000 }));
    await s.touch("used", now);
    await s.save(record("fresh"));
    assert.deepEqual((await s.sweep(now - 30_000)).sort(), ["idle"]);
    assert.equal(await s.load("idle"), undefined);
    assert.ok(await s.load("used"));
    assert.ok(await s.load("fresh"));
    assert.deepEqual(await s.sweep(now - 30_000), []);
    await s.close?.();
  });
}

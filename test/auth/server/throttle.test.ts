import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FAILURE_WINDOW_MS,
  MAX_FAILURES,
  MAX_TRANSACTION_ATTEMPTS,
  clearAttempts,
  reserveAttempt,
  reserveTransactionAttempt,
  spent,
  usernameKey,
} from "../../../src/auth/server/throttle.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

test("usernameKey: a keyed hash of the normalized name — the same for every node on a store, never the name itself", async () => {
  const store = new MemoryAuthStore();
  const key = await usernameKey(store, "alice");
  assert.doesNotMatch(key, /alice/);
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  for (const same of [" Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45"]) assert.equal(await usernameKey(store, same), key, same);
  assert.notEqual(await usernameKey(store, "bob"), key);
  assert.notEqual(await usernameKey(new MemoryAuthStore(), "alice"), key, "keyed by the store's secret");
});

test("reserveAttempt: MAX_FAILURES per window, refused after, a new window once it has passed; clearAttempts gives them back", async () => {
  const store = new MemoryAuthStore();
  const t0 = Date.now();
  const all = await Promise.all(Array.from({ length: MAX_FAILURES + 5 }, () => reserveAttempt(store, "k", t0)));
  assert.equal(all.filter(Boolean).length, MAX_FAILURES);
  assert.equal(await reserveAttempt(store, "k", t0 + FAILURE_WINDOW_MS - 1), false, "still within the window");
  assert.equal(await reserveAttempt(store, "k", t0 + FAILURE_WINDOW_MS), true, "the window has passed");
  for (let i = 1; i < MAX_FAILURES; i++) await reserveAttempt(store, "k", t0 + FAILURE_WINDOW_MS);
  assert.equal(await reserveAttempt(store, "k", t0 + FAILURE_WINDOW_MS), false);
  await clearAttempts(store, "k");
  assert.equal(await reserveAttempt(store, "k", t0 + FAILURE_WINDOW_MS), true);
  assert.deepEqual(
    store.list("counter", "").map((r) => r.id),
    ["login k"],
  );
});

test("reserveTransactionAttempt: numbered attempts up to MAX_TRANSACTION_ATTEMPTS, then spent; an expired transaction is gone", async () => {
  const store = new MemoryAuthStore();
  store.put("session", "txn t", { csrf: "c" });
  const got = [];
  for (let i = 0; i < MAX_TRANSACTION_ATTEMPTS + 2; i++) got.push(await reserveTransactionAttempt(store, "txn t"));
  assert.deepEqual(got, [
    ...Array.from({ length: MAX_TRANSACTION_ATTEMPTS }, (_, i) => ({ outcome: "ok", attempt: i + 1 })),
    { outcome: "spent" },
    { outcome: "spent" },
  ]);
  const txn = store.get<{ attempts: number; csrf: string }>("session", "txn t")!;
  assert.deepEqual(txn, { csrf: "c", attempts: MAX_TRANSACTION_ATTEMPTS }, "the rest of the record is kept");
  assert.equal(spent(txn), true);
  assert.equal(spent({ ...txn, user: { id: "alice" } }), false, "once someone signed in on it, it goes on to consent");
  assert.deepEqual(await reserveTransactionAttempt(store, "txn none"), { outcome: "gone" });
  assert.equal(store.get("session", "txn none"), undefined);
});

/** A store whose `add` of the secret is counted, and fails while `failing` says so. */
function countingStore(failing: () => boolean = () => false) {
  const store = new MemoryAuthStore();
  const add = store.add.bind(store);
  const counted = { store, secretWrites: 0 };
  store.add = (kind, id, value, expiresAt) => {
    if (kind === "secret") {
      counted.secretWrites++;
      if (failing()) throw new Error("store unavailable");
    }
    return add(kind, id, value, expiresAt);
  };
  return counted;
}

test("usernameKey reads the store's HMAC key once, not on every sign-in; a failed read is tried again", async () => {
  const a = countingStore();
  const key = await usernameKey(a.store, "alice");
  for (let i = 0; i < 5; i++) assert.notEqual(await usernameKey(a.store, `user${i}`), key);
  assert.equal(await usernameKey(a.store, "alice"), key);
  assert.equal(a.secretWrites, 1, "one store write for the key, however many sign-ins");
  let failures = 1;
  const b = countingStore(() => failures-- > 0);
  await assert.rejects(usernameKey(b.store, "alice"), /store unavailable/);
  assert.match(await usernameKey(b.store, "alice"), /^[A-Za-z0-9_-]{43}$/, "tried again after the failure");
});

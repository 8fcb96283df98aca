/** The AuthStore contract (the authorization server's records) and the AuditSink contract: every backend runs them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuthStore } from "../../src/stores/auth-store.js";
import type { AuditSink } from "../../src/stores/audit.js";

export function authStoreContract(name: string, make: () => AuthStore) {
  test(`${name}: put, get, delete; kinds are separate; values are JSON copies`, async () => {
    const s = make();
    const v = { a: 1, list: ["x"], nested: { ok: true } };
    await s.put("client", "c1", v);
    assert.deepEqual(await s.get("client", "c1"), v);
    assert.equal(await s.get("code", "c1"), undefined, "another kind");
    const got = (await s.get<typeof v>("client", "c1"))!;
    got.list.push("y");
    assert.deepEqual(await s.get("client", "c1"), v, "a copy came back");
    await s.delete("client", "c1");
    assert.equal(await s.get("client", "c1"), undefined);
    await s.close?.();
  });

  test(`${name}: expired records are gone for every method, and add may take their place`, async () => {
    const s = make();
    const past = Date.now() - 1;
    await s.put("code", "old", { x: 1 }, past);
    assert.equal(await s.get("code", "old"), undefined);
    assert.deepEqual(await s.list("code", ""), []);
    assert.equal(await s.update("code", "old", (c) => c), undefined);
    assert.equal(await s.add("code", "old", { x: 2 }, Date.now() + 60_000), true, "an expired record does not block add");
    assert.deepEqual(await s.get("code", "old"), { x: 2 });
    await s.put("code", "gone", 1, past);
    await s.sweep(Date.now());
    assert.equal(await s.get("code", "gone"), undefined);
    await s.close?.();
  });

  test(`${name}: add is insert-if-absent (the replay caches rely on it)`, async () => {
    const s = make();
    assert.equal(await s.add("replay", "jti-1", 1, Date.now() + 60_000), true);
    assert.equal(await s.add("replay", "jti-1", 1, Date.now() + 60_000), false);
    const results = await Promise.all(Array.from({ length: 20 }, () => s.add("replay", "jti-2", 1, Date.now() + 60_000)));
    assert.equal(results.filter(Boolean).length, 1, "of 20 concurrent adds exactly one wins");
    await s.close?.();
  });

  test(`${name}: update is read-modify-write; undefined deletes; the expiry is kept unless given`, async () => {
    const s = make();
    assert.equal(await s.update<{ n: number }>("family", "f", (c) => c), undefined);
    await s.put("family", "f", { n: 0 }, Date.now() + 60_000);
    for (let i = 0; i < 10; i++) await s.update<{ n: number }>("family", "f", (c) => (c ? { n: c.n + 1 } : c));
    assert.deepEqual(await s.get("family", "f"), { n: 10 });
    await Promise.all(Array.from({ length: 10 }, () => s.update<{ n: number }>("family", "f", (c) => (c ? { n: c.n + 1 } : c))));
    assert.deepEqual(await s.get("family", "f"), { n: 20 }, "concurrent updates are not lost");
    await s.update("family", "f", () => undefined);
    assert.equal(await s.get("family", "f"), undefined);
    await s.close?.();
  });

  test(`${name}: list returns the live records of a kind whose id starts with the prefix`, async () => {
    const s = make();
    await s.put("consent", "alice app r1", { a: 1 });
    await s.put("consent", "alice other r1", { a: 2 });
    await s.put("consent", "alicia app r1", { a: 3 });
    await s.put("consent", "alice dead r1", { a: 4 }, Date.now() - 1);
    await s.put("client", "alice x", { a: 5 });
    const got = (await s.list<{ a: number }>("consent", "alice ")).map((r) => [r.id, r.value.a]).sort();
    assert.deepEqual(got, [
      ["alice app r1", 1],
      ["alice other r1", 2],
    ]);
    await s.close?.();
  });
}

export function auditSinkContract(name: string, make: () => AuditSink) {
  test(`${name}: write, then query newest first by type, subject, client and time`, async () => {
    const s = make();
    const at = (m: number) => new Date(Date.UTC(2026, 10, 28, 10, m)).toISOString();
    await s.write({ at: at(1), type: "login", subject: "alice", clientId: "app" });
    await s.write({ at: at(2), type: "token_issued", subject: "alice", clientId: "app", scopes: ["mcp:read"] });
    await s.write({ at: at(3), type: "token_issued", subject: "bob", clientId: "cli" });
    await s.write({ at: at(4), type: "mcp_request", subject: "alice", method: "tools/call", target: "x", durationMs: 1.5 });
    assert.deepEqual(
      (await s.query!({})).map((e) => e.at),
      [at(4), at(3), at(2), at(1)],
    );
    assert.deepEqual(
      (await s.query!({ type: "token_issued" })).map((e) => e.subject),
      ["bob", "alice"],
    );
    assert.deepEqual(
      (await s.query!({ type: ["login", "mcp_request"], subject: "alice" })).map((e) => e.type),
      ["mcp_request", "login"],
    );
    assert.deepEqual((await s.query!({ clientId: "app" })).length, 2);
    assert.deepEqual(
      (await s.query!({ since: at(2), until: at(3) })).map((e) => e.at),
      [at(3), at(2)],
    );
    assert.deepEqual((await s.query!({ limit: 1 })).length, 1);
    assert.deepEqual((await s.query!({ type: "token_issued", subject: "alice" }))[0]!.scopes, ["mcp:read"], "the whole event comes back");
    await s.close?.();
  });
}

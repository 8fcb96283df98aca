import { test } from "node:test";
import assert from "node:assert/strict";
import { hashPassword, localUsers, normalizeUsername, verifyPasswordHash } from "../../../src/auth/server/users.js";

test("hashPassword: scrypt with a random salt; verify accepts the password and nothing else", async () => {
  const a = await hashPassword("correct horse battery");
  const b = await hashPassword("correct horse battery");
  assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(a, b, "salted");
  assert.equal(await verifyPasswordHash("correct horse battery", a), true);
  assert.equal(await verifyPasswordHash("correct horse batterY", a), false);
  assert.equal(await verifyPasswordHash("x", "md5$abc"), false);
  assert.equal(await verifyPasswordHash("x", "scrypt$99999999$8$1$aa$bb"), false, "an absurd cost is refused, not run");
  await assert.rejects(hashPassword("short"), /at least 8 characters/);
});

test("localUsers: the right password gives the user (roles, groups, no secret); a wrong one or an unknown user gives nothing", async () => {
  const hash = await hashPassword("bob-password-1");
  const users = localUsers([
    { username: "alice", password: "alice-password-1", roles: ["admin"], groups: ["eng"], name: "Alice" },
    { username: "bob", passwordHash: hash },
  ]);
  assert.deepEqual(await users.verifyPassword("alice", "alice-password-1"), {
    id: "alice",
    name: "Alice",
    roles: ["admin"],
    groups: ["eng"],
  });
  assert.equal((await users.verifyPassword("bob", "bob-password-1"))?.id, "bob");
  assert.equal(await users.verifyPassword("alice", "wrong-password"), undefined);
  assert.equal(await users.verifyPassword("carol", "alice-password-1"), undefined);
});

test("localUsers refuses bad configuration with the rule", () => {
  assert.throws(() => localUsers([{ username: "a b", password: "12345678" }]), /letters, digits/);
  assert.throws(() => localUsers([{ username: "a", password: "12345678", passwordHash: "x" }]), /exactly one of password or passwordHash/);
  assert.throws(
    () =>
      localUsers([
        { username: "a", password: "12345678" },
        { username: "a", password: "12345678" },
      ]),
    /listed twice/,
  );
});

test("localUsers: usernames are case-insensitive, as the lockout counts them — any spelling signs in to the account as configured", async () => {
  const users = localUsers([{ username: "Alice.Smith", password: "alice-password-1", roles: ["admin"] }]);
  for (const spelling of ["Alice.Smith", "alice.smith", "ALICE.SMITH", " alice.smith ", "\uff41lice.smith"]) {
    assert.equal((await users.verifyPassword(spelling, "alice-password-1"))?.id, "Alice.Smith", JSON.stringify(spelling));
    assert.equal((await users.lookup!(spelling))?.id, "Alice.Smith", JSON.stringify(spelling));
  }
  assert.equal(await users.verifyPassword("ALICE.SMITH", "ALICE-PASSWORD-1"), undefined, "passwords are not");
  assert.equal(normalizeUsername(" \uff21LICE "), "alice");
});

test("localUsers refuses two usernames that differ only by case, naming both and the fix", () => {
  assert.throws(
    () =>
      localUsers([
        { username: "alice", password: "alice-real-password" },
        { username: "Alice", password: "attacker-own-password" },
      ]),
    (err: Error) =>
      err instanceof TypeError &&
      /"alice" and "Alice" are one username/.test(err.message) &&
      /rename or remove one of them/.test(err.message),
  );
});

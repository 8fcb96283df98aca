import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { randomBytes, scryptSync } from "node:crypto";
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

/** A hash as another tool or an older release makes it: scrypt at cost N (r = 8, p = 1). */
function hashAtCost(password: string, n: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize("NFC"), salt, 32, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 1024 * 1024 });
  return `scrypt$${n}$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** The costs (N, r, p) of the scrypt runs `fn` makes: node:crypto's scrypt is wrapped while it runs. */
async function scryptCosts(fn: () => Promise<unknown>): Promise<string[]> {
  const crypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  const original = crypto.scrypt;
  const costs: string[] = [];
  crypto.scrypt = ((...args: Parameters<typeof original>) => {
    const o = args[3] as { N: number; r: number; p: number };
    costs.push(`N=${o.N} r=${o.r} p=${o.p}`);
    return (original as (...a: unknown[]) => void)(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    await fn();
  } finally {
    crypto.scrypt = original;
    syncBuiltinESMExports();
  }
  return costs;
}

test("localUsers: an unknown username is checked at the cost of the most expensive configured hash, not at hashPassword's", async () => {
  const users = localUsers([
    { username: "carol", passwordHash: hashAtCost("carol-password", 1 << 16) },
    { username: "dave", passwordHash: hashAtCost("dave-password", 1 << 14) },
    { username: "erin", password: "erin-password" }, // hashed at N = 2^15
  ]);
  const heavy = "N=65536 r=8 p=1";
  assert.deepEqual(await scryptCosts(() => users.verifyPassword("carol", "wrong-password")), [heavy]);
  assert.deepEqual(
    await scryptCosts(() => users.verifyPassword("nobody", "wrong-password")),
    [heavy, heavy],
    "the dummy made, then checked",
  );
  assert.deepEqual(await scryptCosts(() => users.verifyPassword("nobody", "wrong-password")), [heavy], "then only checked");
  assert.equal((await users.verifyPassword("carol", "carol-password"))?.id, "carol");
  const plain = localUsers([{ username: "erin", password: "erin-password" }]);
  await plain.verifyPassword("erin", "x");
  assert.deepEqual(
    await scryptCosts(() => plain.verifyPassword("nobody", "x")),
    ["N=32768 r=8 p=1", "N=32768 r=8 p=1"],
    "hashPassword's cost when every user has it",
  );
});

test("localUsers refuses a passwordHash that is not one hashPassword makes, instead of a user who can never sign in", () => {
  for (const bad of ["md5$abc", "scrypt$99999999$8$1$aa$bb", "scrypt$32768$8$1$aa"])
    assert.throws(
      () => localUsers([{ username: "carol", passwordHash: bad }]),
      /the passwordHash of carol is not a hash from hashPassword\(\)/,
      bad,
    );
});

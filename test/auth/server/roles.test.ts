import { test } from "node:test";
import assert from "node:assert/strict";
import { allowedScopes, grantScopes, splitScope } from "../../../src/auth/server/roles.js";

const options = { roles: { reader: ["read"], writer: ["read", "write"] }, groupRoles: { eng: ["writer"] } };

test("allowedScopes: roles, and roles through groups", () => {
  assert.deepEqual([...allowedScopes(options, { roles: ["reader"] })], ["read"]);
  assert.deepEqual([...allowedScopes(options, { groups: ["eng"] })].sort(), ["read", "write"]);
  assert.deepEqual([...allowedScopes(options, { roles: ["unknown"], groups: ["none"] })], []);
});

test("grantScopes: what was asked (else the defaults) cut to what the roles allow and the resource knows", () => {
  const r = { scopes: ["read", "write", "admin"], defaultScopes: ["read"] };
  assert.deepEqual(grantScopes(undefined, r, new Set(["read", "write"])), { granted: ["read"], refused: [] });
  assert.deepEqual(grantScopes(["read", "write"], r, new Set(["read"])), { granted: ["read"], refused: ["write"] });
  assert.deepEqual(grantScopes(["nope"], r, new Set(["nope"])), { granted: [], refused: ["nope"] }, "unknown to the resource");
  assert.deepEqual(grantScopes(["x", "x"], {}, new Set(["x"])), { granted: ["x"], refused: [] }, "no list: roles decide");
  assert.deepEqual(splitScope("  a  b "), ["a", "b"]);
  assert.equal(splitScope(""), undefined);
});

test("groups and roles named after Object's properties map to nothing (no crash)", () => {
  for (const g of ["constructor", "toString", "__proto__", "hasOwnProperty"])
    assert.deepEqual([...allowedScopes(options, { roles: [g], groups: [g] })], [], g);
});

/** Reading claims: scopes in the forms servers use, and the DPoP key binding. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundKeyOf, scopesOf } from "../../../src/auth/resource-server/verifier.js";

test("scopesOf: space-separated scope, scp as an array or a string, else none", () => {
  assert.deepEqual(scopesOf({ scope: "a  b" }), ["a", "b"]);
  assert.deepEqual(scopesOf({ scp: ["a", 1, "b"] }), ["a", "b"]);
  assert.deepEqual(scopesOf({ scp: "a b" }), ["a", "b"]);
  assert.deepEqual(scopesOf({}), []);
});

test("boundKeyOf: cnf.jkt when it is a string", () => {
  assert.equal(boundKeyOf({ cnf: { jkt: "t" } }), "t");
  assert.equal(boundKeyOf({ cnf: { jkt: 1 } }), undefined);
  assert.equal(boundKeyOf({}), undefined);
});

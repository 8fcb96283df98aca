/** Scope strings: which to ask for (the spec's selection order) and how grants compare. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { missingScopes, scopeList, selectScope, unionScopes } from "../../../src/auth/client/scopes.js";

test("selectScope: the challenge's scope, else scopes_supported, else none", () => {
  assert.equal(selectScope({ scope: "a b" }, { scopes_supported: ["x"] }), "a b");
  assert.equal(selectScope({}, { scopes_supported: ["x", "y"] }), "x y");
  assert.equal(selectScope(undefined, { scopes_supported: [] }), undefined);
  assert.equal(selectScope(undefined, undefined), undefined);
});

test("unionScopes, missingScopes, scopeList: no repeats, no empties", () => {
  assert.deepEqual(scopeList("  a  b a "), ["a", "b", "a"]);
  assert.equal(unionScopes("a b", undefined, "b c", ""), "a b c");
  assert.equal(unionScopes(undefined, ""), undefined);
  assert.deepEqual(missingScopes("a b c c", "b"), ["a", "c"]);
  assert.deepEqual(missingScopes(undefined, "b"), []);
});

/** The transport seam: principalKey. (Each transport runs the Transport contract in its own test file.) */
import { test } from "node:test";
import assert from "node:assert/strict";
import { principalKey } from "../../src/jsonrpc/transport.js";

test("principalKey: issuer, claim kind and value, unambiguous; undefined for a token that names no one", () => {
  const keys = [
    principalKey({ token: "x", scopes: [], issuer: "https://as1", subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as1", clientId: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as2", subject: "alice" }),
    principalKey({ token: "x", scopes: [], subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: 'https://as1","sub', subject: "alice" }),
  ];
  assert.equal(new Set(keys).size, keys.length, keys.join(" | "));
  assert.ok(
    keys.every((k) => k && !k.includes('"x"')),
    "the token is not part of the key",
  );
  assert.equal(principalKey({ token: "x", scopes: [], issuer: "https://as1" }), undefined);
  assert.equal(principalKey({ token: "x", scopes: [], subject: "", clientId: "" }), undefined);
});

/** Extension identifiers, settings and negotiation (protocol/extensions.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXTENSION_ID, checkExtensionId, checkSettings, negotiate, peerExtensions } from "../../src/protocol/extensions.js";

test("identifiers follow the _meta key rules with a mandatory prefix", () => {
  for (const ok of ["io.modelcontextprotocol/ui", "com.example/my-extension", "a/b", "com.ex-ample.x1/v2.beta_1", "x/Y9"])
    assert.ok(EXTENSION_ID.test(ok), ok);
  for (const bad of [
    "ui",
    "/ui",
    "com.example/",
    "com.example/-a",
    "com.example/a-",
    "-com/x",
    "com-/x",
    "1com/x",
    "com..x/y",
    "com.x/a/b",
    "com.x/a b",
    "",
  ])
    assert.ok(!EXTENSION_ID.test(bad), bad);
  assert.throws(
    () => checkExtensionId(42, "use"),
    (e: TypeError & { code: string }) =>
      e instanceof TypeError && e.code === "ERR_INVALID_ARG_VALUE" && /^use: 42 is not an extension identifier/.test(e.message),
  );
});

test("settings must be a JSON object", () => {
  checkSettings(undefined, "x");
  checkSettings({ a: [1] }, "x");
  assert.throws(() => checkSettings(null, "x"), /settings must be a JSON object/);
  assert.throws(() => checkSettings("s", "x"), /got string/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => checkSettings(cyclic, "x"), /serializable as JSON/);
});

test("a peer's extensions keep only object settings; negotiation keeps what both declared", () => {
  assert.deepEqual(peerExtensions(undefined), {});
  assert.deepEqual(peerExtensions({ extensions: [] }), {});
  assert.deepEqual(peerExtensions({ extensions: { a: {}, b: true, c: null, d: [1], e: { x: 1 } } }), { a: {}, e: { x: 1 } });
  assert.deepEqual(negotiate(["a", "z"], { a: { v: 1 }, b: {} }), { a: { v: 1 } });
  assert.deepEqual(negotiate([], { a: {} }), {});
  // an identifier named like an Object.prototype member is not mistaken for a declared one
  assert.deepEqual(negotiate(["constructor", "toString"], {}), {});
});

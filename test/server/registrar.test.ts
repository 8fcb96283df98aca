/** The registrar: one table of methods, notifications and capabilities, with every name owned once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registrar } from "../../src/server/registrar.js";
import { ServerState } from "../../src/server/state.js";

const noop = () => ({});

test("add takes a contribution whole; a name someone handles is refused naming both owners, and nothing is added", () => {
  const r = new Registrar();
  r.add({ owner: "core", methods: { "tools/list": noop, ping: noop }, notifications: { "notifications/initialized": () => {} } });
  r.add({ owner: "io.example/ext", methods: { "example/run": noop } });
  assert.deepEqual([...r.methods().keys()].sort(), ["example/run", "ping", "tools/list"]);
  assert.equal(r.methods().get("example/run")!.owner, "io.example/ext");
  assert.throws(
    () => r.add({ owner: "io.example/evil", methods: { "fresh/method": noop, "tools/list": noop } }),
    /io\.example\/evil: cannot handle "tools\/list", which the core protocol already handles/,
  );
  assert.equal(r.methods().has("fresh/method"), false, "the refused contribution added nothing");
  assert.throws(() => r.add({ owner: "io.other/ext", methods: { "example/run": noop } }), /which io\.example\/ext already handles/);
  assert.throws(
    () => r.add({ owner: "io.other/ext", notifications: { "notifications/initialized": () => {} } }),
    /cannot handle "notifications\/initialized"/,
  );
});

test("capabilities: each contribution adds to what the base declares, in the order they were added", () => {
  const r = new Registrar();
  const order: string[] = [];
  r.add({ owner: "core", capabilities: [(_s, caps) => void ((caps.logging = {}), order.push("core"))] });
  r.add({ owner: "ext", capabilities: [(_s, caps) => void ((caps.experimental = { x: {} }), order.push("ext"))] });
  const state = new ServerState({ name: "s", version: "1" }, {});
  assert.deepEqual(r.capabilities(state, { prompts: {} }), { prompts: {}, logging: {}, experimental: { x: {} } });
  assert.deepEqual(order, ["core", "ext"]);
});

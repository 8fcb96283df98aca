/** Client-side elicitation rules: SEP-1034 defaults, the content check before sending, the URL's domain. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults, checkFormResult, domainOf } from "../../src/client/elicitation.js";

const schema = {
  type: "object" as const,
  properties: {
    name: { type: "string" as const },
    age: { type: "integer" as const, default: 30 },
    tags: { type: "array" as const, items: { type: "string" as const, enum: ["a", "b"] }, default: ["a"] },
  },
  required: ["name"],
};

test("applyDefaults fills only what is missing, with copies of the defaults", () => {
  const out = applyDefaults(schema, { name: "x" });
  assert.deepEqual(out, { name: "x", age: 30, tags: ["a"] });
  (out.tags as string[]).push("b");
  assert.deepEqual(applyDefaults(schema, {}).tags, ["a"], "the schema's default is not shared");
  assert.deepEqual(applyDefaults(schema, { name: "y", age: 5 }).age, 5);
});

test("checkFormResult: accepted content gets defaults and must fit; decline and cancel carry no content", () => {
  const params = { message: "m", requestedSchema: schema };
  assert.deepEqual(checkFormResult(params, { action: "accept", content: { name: "n" } }), {
    action: "accept",
    content: { name: "n", age: 30, tags: ["a"] },
  });
  assert.deepEqual(checkFormResult(params, { action: "decline", content: { name: "n" } }), { action: "decline" });
  assert.deepEqual(checkFormResult(params, { action: "cancel" }), { action: "cancel" });
  assert.throws(
    () => checkFormResult(params, { action: "accept", content: {} }),
    /does not match requestedSchema: missing required field "name"/,
  );
  assert.throws(() => checkFormResult(params, { action: "accept", content: { name: "n", age: "old" } }), /does not match requestedSchema/);
});

test("domainOf is the host the consent prompt should show", () => {
  assert.equal(domainOf("https://login.example.com/authorize?x=1"), "login.example.com");
  assert.throws(() => domainOf("not a url"));
});

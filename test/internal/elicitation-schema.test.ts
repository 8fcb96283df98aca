/** The restricted elicitation schema (elicitation.mdx) and the check of accepted content against it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkElicitationSchema, validateElicitedContent } from "../../src/internal/elicitation-schema.js";

test("checkElicitationSchema: a flat object of primitives and enums passes; nesting is refused with the rule", () => {
  assert.doesNotThrow(() =>
    checkElicitationSchema({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number", minimum: 0 }, c: { type: "string", enum: ["x", "y"] } },
    }),
  );
  assert.throws(
    () => checkElicitationSchema({ type: "object", properties: { nested: { type: "object", properties: {} } } }),
    /requestedSchema must be a flat object/,
  );
  assert.throws(() => checkElicitationSchema({ type: "array" }), /requestedSchema must be a flat object/);
});

test("validateElicitedContent: required fields, unknown fields, types, enums and bounds", () => {
  const schema = {
    properties: {
      name: { type: "string", maxLength: 3 },
      n: { type: "integer", minimum: 1 },
      pick: { type: "string", enum: ["a", "b"] },
      ok: { type: "boolean" },
    },
    required: ["name"],
  };
  assert.equal(validateElicitedContent(schema, { name: "abc", n: 2, pick: "a", ok: true }), undefined);
  const cases: [unknown, RegExp][] = [
    [{}, /missing required field "name"/],
    [{ name: "a", extra: 1 }, /unexpected field "extra"/],
    [{ name: "toolong" }, /name/],
    [{ name: "a", n: 0 }, /n/],
    [{ name: "a", n: 1.5 }, /n/],
    [{ name: "a", pick: "z" }, /pick/],
    [{ name: "a", ok: "yes" }, /ok/],
    [[], /content must be an object/],
  ];
  for (const [content, why] of cases) assert.match(validateElicitedContent(schema, content) ?? "(passed)", why, JSON.stringify(content));
});

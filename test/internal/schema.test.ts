/** Tool schemas: JSON Schema (2020-12 or draft-07) and Standard Schema compiled once, defaults applied, errors named. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { checkStructuredContent, compileSchema, isStandardSchema } from "../../src/internal/schema.js";

test("compileSchema (JSON Schema): validates, applies defaults, and names the failing field", async () => {
  const s = compileSchema(
    { type: "object", properties: { n: { type: "integer", default: 3 }, name: { type: "string" } }, required: ["name"] },
    "t",
  );
  assert.deepEqual(await s.validate({ name: "x" }), { ok: true, value: { name: "x", n: 3 } });
  const bad = await s.validate({ name: 5 });
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /name/);
  assert.throws(
    () => compileSchema({ type: "object", properties: { x: { type: "nonsense" } } }, 'registerTool "t": inputSchema'),
    /registerTool "t": inputSchema/,
  );
});

test("compileSchema (Standard Schema, zod 4): validates through the schema and lists its own JSON Schema", async () => {
  const schema = z.object({ city: z.string() });
  assert.equal(isStandardSchema(schema), true);
  assert.equal(isStandardSchema({ type: "object" }), false);
  const s = compileSchema(schema, "t");
  assert.deepEqual(await s.validate({ city: "Oslo" }), { ok: true, value: { city: "Oslo" } });
  assert.equal((await s.validate({ city: 1 })).ok, false);
  assert.equal((s.json as { type?: string }).type, "object");
});

test("checkStructuredContent: a successful result must carry matching structuredContent; an error result need not", async () => {
  const out = compileSchema({ type: "object", properties: { sum: { type: "number" } }, required: ["sum"] }, "o");
  assert.equal(await checkStructuredContent(out, { structuredContent: { sum: 1 } }, "add"), undefined);
  assert.equal(await checkStructuredContent(out, { isError: true }, "add"), undefined);
  assert.match((await checkStructuredContent(out, {}, "add"))!, /tool "add" declares an outputSchema but returned no structuredContent/);
  assert.match((await checkStructuredContent(out, { structuredContent: { sum: "x" } }, "add"))!, /does not match its outputSchema/);
});

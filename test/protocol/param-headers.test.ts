import { test } from "node:test";
import assert from "node:assert/strict";
import { paramHeaders, paramMarks } from "../../src/protocol/param-headers.js";
import type { Tool } from "../../src/protocol/generated/schema-types.js";

const tool = (properties: Record<string, unknown>): Tool => ({ name: "t", inputSchema: { type: "object", properties } }) as Tool;

test("x-mcp-header: marks on primitive properties become Mcp-Param-* headers, encoded; null and absent send none", () => {
  const marks = paramMarks(
    tool({
      region: { type: "string", "x-mcp-header": "Region" },
      priority: { type: "integer", "x-mcp-header": "Priority" },
      verbose: { type: "boolean", "x-mcp-header": "Verbose" },
      where: { type: "object", properties: { zone: { type: "string", "x-mcp-header": "Zone" } } },
      note: { type: "string" },
    }),
  );
  assert.ok(Array.isArray(marks));
  assert.deepEqual(paramHeaders(marks, { region: "us-west1", priority: 42, verbose: null, where: { zone: " padded" }, note: "x" }), {
    "mcp-param-region": "us-west1",
    "mcp-param-priority": "42",
    "mcp-param-zone": `=?base64?${Buffer.from(" padded").toString("base64")}?=`,
  });
  assert.deepEqual(paramHeaders(marks, { region: "Hello, 世界" }), {
    "mcp-param-region": `=?base64?${Buffer.from("Hello, 世界").toString("base64")}?=`,
  });
  assert.deepEqual(paramHeaders(marks, { region: "" }), { "mcp-param-region": "" });
});

test("x-mcp-header: invalid marks are named (the client leaves such a tool out)", () => {
  for (const [props, why] of [
    [{ a: { type: "string", "x-mcp-header": "" } }, /non-empty/],
    [{ a: { type: "number", "x-mcp-header": "A" } }, /string, integer or boolean/],
    [{ a: { type: "object", "x-mcp-header": "A" } }, /string, integer or boolean/],
    [{ a: { type: "string", "x-mcp-header": "Has Space" } }, /token/],
    [{ a: { type: "string", "x-mcp-header": "Ünï" } }, /token/],
    [{ a: { type: "string", "x-mcp-header": "X" }, b: { type: "string", "x-mcp-header": "x" } }, /twice/],
  ] as const)
    assert.match(String(paramMarks(tool(props as Record<string, unknown>))), why);
});

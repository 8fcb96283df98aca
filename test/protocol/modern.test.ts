import { test } from "node:test";
import assert from "node:assert/strict";
import { claimsModern, readEnvelope, shapeModernResult } from "../../src/protocol/modern.js";
import type { ProtocolError } from "../../src/protocol/errors.js";

const meta = (m: Record<string, unknown>) => ({ _meta: m });
const V = "io.modelcontextprotocol/protocolVersion";
const C = "io.modelcontextprotocol/clientCapabilities";

test("readEnvelope: what a 2026-07-28 request says about its client, or the error the revision names", () => {
  const e = readEnvelope(meta({ [V]: "2026-07-28", [C]: { sampling: {} }, "io.modelcontextprotocol/logLevel": "info" }));
  assert.deepEqual([e.protocolVersion, e.clientCapabilities, e.logLevel], ["2026-07-28", { sampling: {} }, "info"]);
  const code = (p: unknown) => {
    try {
      readEnvelope(p);
      return 0;
    } catch (err) {
      return (err as ProtocolError).code;
    }
  };
  assert.equal(code({}), -32602);
  assert.equal(code(meta({ [C]: {} })), -32602);
  assert.equal(code(meta({ [V]: "2026-07-28" })), -32602);
  assert.equal(code(meta({ [V]: "2026-07-28", [C]: {}, "io.modelcontextprotocol/logLevel": "loud" })), -32602);
  assert.equal(code(meta({ [V]: "2099-01-01", [C]: {} })), -32022);
  assert.equal(claimsModern(meta({ [V]: "x" })), true);
  assert.equal(claimsModern({ _meta: { progressToken: 1 } }), false);
});

test("shapeModernResult: resultType, caching hints only where cacheable, serverInfo; tools lose execution", () => {
  const info = { name: "s", version: "1" };
  const cache = { ttlMs: 5000, cacheScope: "public" as const };
  const list = shapeModernResult(
    "tools/list",
    { tools: [{ name: "t", inputSchema: {}, execution: { taskSupport: "optional" } }] },
    info,
    cache,
  );
  assert.deepEqual(list, {
    tools: [{ name: "t", inputSchema: {} }],
    resultType: "complete",
    ttlMs: 5000,
    cacheScope: "public",
    _meta: { "io.modelcontextprotocol/serverInfo": info },
  });
  const call = shapeModernResult("tools/call", { content: [] }, info, cache);
  assert.equal(call.ttlMs, undefined);
  assert.equal(call.resultType, "complete");
  const asking = shapeModernResult("resources/read", { resultType: "input_required", inputRequests: {} }, info, cache);
  assert.equal(asking.cacheScope, undefined, "an input_required result is never cached");
});

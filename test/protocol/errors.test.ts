/** The three error kinds: ProtocolError (wire), TrellisError (local), misuse (a coded TypeError). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, ProtocolError, TrellisError, misuse } from "../../src/protocol/errors.js";

test("ProtocolError carries code, message and data, and serializes without an absent data", () => {
  assert.deepEqual(new ProtocolError(ErrorCode.InvalidParams, "bad").toJSON(), { code: -32602, message: "bad" });
  assert.deepEqual(new ProtocolError(-32002, "Resource not found", { uri: "x" }).toJSON(), {
    code: -32002,
    message: "Resource not found",
    data: { uri: "x" },
  });
});

test("TrellisError keeps its code and cause; misuse is a TypeError with a Node-style code", () => {
  const cause = new Error("root");
  const e = new TrellisError("REQUEST_TIMEOUT", "late", { cause });
  assert.equal(e.code, "REQUEST_TIMEOUT");
  assert.equal(e.cause, cause);
  const m = misuse("x: wrong; do this");
  assert.ok(m instanceof TypeError);
  assert.equal((m as TypeError & { code: string }).code, "ERR_INVALID_ARG_VALUE");
  assert.equal((misuse("t", "ERR_INVALID_ARG_TYPE") as TypeError & { code: string }).code, "ERR_INVALID_ARG_TYPE");
});

test("Trellis's own wire codes sit in the implementation-defined range 2026-07-28 keeps open (-32000..-32019)", () => {
  for (const name of ["Forbidden", "Unauthorized", "NotFound", "RateLimited", "Unavailable"] as const) {
    const code = ErrorCode[name];
    assert.ok(code <= -32000 && code >= -32019, name);
  }
  assert.equal(new Set(Object.values(ErrorCode)).size, Object.values(ErrorCode).length, "no two names share a code");
});

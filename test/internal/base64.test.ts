/** bytesToBase64 agrees with Node's Buffer on every length and byte value. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToBase64 } from "../../src/internal/base64.js";

test("bytesToBase64 matches Buffer for lengths 0..300 and all byte values", () => {
  for (let len = 0; len <= 300; len++) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 255);
    assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString("base64"), `length ${len}`);
  }
});

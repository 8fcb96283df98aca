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

test("base64ToBytes inverts bytesToBase64 and refuses what is not base64", async () => {
  const { base64ToBytes } = await import("../../src/internal/base64.js");
  for (let len = 0; len <= 100; len++) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 53 + len) & 255);
    assert.deepEqual(base64ToBytes(bytesToBase64(bytes)), bytes, `length ${len}`);
    assert.deepEqual(base64ToBytes(bytesToBase64(bytes).replace(/=+$/, "")), bytes, `unpadded ${len}`);
  }
  for (const bad of ["a", "ab$c", "ab c", "abcde", "====", "YQ==="]) assert.throws(() => base64ToBytes(bad), /not base64/, bad);
});

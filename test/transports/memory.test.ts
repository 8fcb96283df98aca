/** The in-memory pair runs the Transport contract, and keeps the two sides from sharing objects. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryTransport } from "../../src/transports/memory.js";
import { transportContract } from "../jsonrpc/transport.contract.js";
import { waitFor } from "../helpers.js";

transportContract("MemoryTransport", () => {
  const [a, b] = MemoryTransport.createPair();
  return { a, b };
});

test("MemoryTransport: messages are copies, delivered asynchronously, with the sender's extra", async () => {
  const [a, b] = MemoryTransport.createPair();
  const got: { m: unknown; extra: unknown }[] = [];
  b.start({ message: (m, extra) => void got.push({ m, extra }), parseError: () => {}, close: () => {}, error: () => {} });
  a.start({ message: () => {}, parseError: () => {}, close: () => {}, error: () => {} });
  a.extra = { authInfo: { token: "t", scopes: [] } };
  const msg = { jsonrpc: "2.0" as const, method: "x", params: { n: 1 } };
  a.send(msg);
  assert.equal(got.length, 0, "not delivered synchronously");
  msg.params.n = 2;
  await waitFor(() => got.length === 1);
  assert.deepEqual(got[0]!.m, { jsonrpc: "2.0", method: "x", params: { n: 1 } });
  assert.deepEqual(got[0]!.extra, { authInfo: { token: "t", scopes: [] } });
});

/** The transport seam: principalKey, and the Transport contract for the in-memory pair and a stdio line pair. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { principalKey } from "../../src/jsonrpc/transport.js";
import { MemoryTransport } from "../../src/transports/memory.js";
import { LineChannel } from "../../src/transports/stdio.js";
import { transportContract } from "./transport.contract.js";

test("principalKey: issuer, claim kind and value, unambiguous; undefined for a token that names no one", () => {
  const keys = [
    principalKey({ token: "x", scopes: [], issuer: "https://as1", subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as1", clientId: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: "https://as2", subject: "alice" }),
    principalKey({ token: "x", scopes: [], subject: "alice" }),
    principalKey({ token: "x", scopes: [], issuer: 'https://as1","sub', subject: "alice" }),
  ];
  assert.equal(new Set(keys).size, keys.length, keys.join(" | "));
  assert.ok(
    keys.every((k) => k && !k.includes('"x"')),
    "the token is not part of the key",
  );
  assert.equal(principalKey({ token: "x", scopes: [], issuer: "https://as1" }), undefined);
  assert.equal(principalKey({ token: "x", scopes: [], subject: "", clientId: "" }), undefined);
});

transportContract("MemoryTransport", () => {
  const [a, b] = MemoryTransport.createPair();
  return { a, b };
});

transportContract("stdio LineChannel", () => {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = new LineChannel(bToA, aToB);
  const b = new LineChannel(aToB, bToA);
  // A closed stdio end stops reading; the other end sees the stream end when the writer ends it.
  return {
    a,
    b,
    dispose: () => {
      aToB.end();
      bToA.end();
    },
  };
});

/** HTTP replies: the error body, and reading a web body under a limit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BodyTooLargeError, errorReply, readWebBody } from "../../../src/transports/http/reply.js";

test("errorReply: JSON-RPC error body; id left out when unknown; extra headers and data kept", () => {
  const r = errorReply(404, -32012, "gone", null, { "retry-after": "1" }, { why: "x" });
  assert.equal(r.status, 404);
  assert.deepEqual(r.headers, { "content-type": "application/json", "retry-after": "1" });
  assert.deepEqual(JSON.parse(r.body!), { jsonrpc: "2.0", error: { code: -32012, message: "gone", data: { why: "x" } } });
  assert.deepEqual(JSON.parse(errorReply(400, -32600, "bad", 7).body!), { jsonrpc: "2.0", id: 7, error: { code: -32600, message: "bad" } });
});

test("readWebBody: the text (multi-byte characters across chunks too); past the limit a coded BodyTooLargeError", async () => {
  const bytes = new TextEncoder().encode("héllo ✓");
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const b of bytes) c.enqueue(new Uint8Array([b]));
      c.close();
    },
  });
  assert.equal(
    await readWebBody(new Request("http://x/", { method: "POST", body: stream, duplex: "half" } as RequestInit), 100),
    "héllo ✓",
  );
  assert.equal(await readWebBody(new Request("http://x/"), 10), "");
  await assert.rejects(
    readWebBody(new Request("http://x/", { method: "POST", body: "x".repeat(11) }), 10),
    (e: unknown) => e instanceof BodyTooLargeError && e.code === "BODY_TOO_LARGE",
  );
});

/**
 * body.ts: the one capped reader of web bodies — past the limit it stops reading (the stream is cancelled) and
 * throws; `truncate` keeps the start instead; a signal ends the wait. The readers that once read whole bodies before
 * checking (the authorization server's forms and registrations, the dashboard's and the Apps relay's JSON) are capped
 * whatever Content-Length says.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BodyTooLargeError, readCapped, readCappedText } from "../../src/internal/body.js";
import { readForm } from "../../src/auth/server/http.js";
import { readJson } from "../../src/dashboard/http.js";

/** A body of `chunks` chunks of `size` bytes with no Content-Length (chunked), counting how much was pulled. */
function stream(chunks: number, size: number): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let n = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n++ >= chunks) return c.close();
      c.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => n, cancelled: () => cancelled };
}

test("readCapped: the whole body under the limit; past it, BodyTooLargeError (or the caller's error) and the rest never pulled", async () => {
  assert.equal((await readCapped(stream(4, 10).body, 40)).byteLength, 40);
  assert.equal((await readCapped(null, 10)).byteLength, 0);
  const big = stream(1000, 1024);
  await assert.rejects(readCapped(big.body, 4096), (e: unknown) => e instanceof BodyTooLargeError && e.limit === 4096);
  assert.ok(big.pulled() < 10, `stopped early (${big.pulled()} chunks pulled)`);
  assert.ok(big.cancelled());
  await assert.rejects(readCapped(stream(10, 10).body, 5, { tooLarge: () => new Error("mine") }), /mine/);
  assert.equal(await readCappedText(stream(10, 10).body, 25, { truncate: true }), "a".repeat(25));
});

test("readCapped: a signal ends a read that hangs", async () => {
  const hanging = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
  const ac = new AbortController();
  const reading = readCapped(hanging, 10, { signal: ac.signal });
  ac.abort(new Error("deadline"));
  await assert.rejects(reading, /deadline/);
});

test("the authorization server's forms and the dashboard's JSON are capped without a Content-Length", async () => {
  for (const [read, type, message] of [
    [readForm, "application/x-www-form-urlencoded", /the body is larger than/],
    [readJson, "application/json", /the request body is too large/],
  ] as const) {
    const s = stream(8192, 1024); // 8 MiB, no Content-Length
    const request = new Request("http://127.0.0.1/token", {
      method: "POST",
      headers: { "content-type": type },
      body: s.body,
      duplex: "half",
    } as RequestInit);
    await assert.rejects(read(request), message);
    assert.ok(s.pulled() < 2048, `read only up to the cap, not the whole body (${s.pulled()} of 8192 chunks)`);
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { pause } from "../../src/internal/pause.js";

test("pause: waits its time; an abort ends it early, an aborted signal at once; it never rejects", async () => {
  let t = Date.now();
  await pause(30);
  assert.ok(Date.now() - t >= 25);
  const stop = new AbortController();
  t = Date.now();
  setTimeout(() => stop.abort(), 10);
  await pause(5000, stop.signal);
  assert.ok(Date.now() - t < 1000);
  t = Date.now();
  await pause(5000, stop.signal);
  assert.ok(Date.now() - t < 50);
});

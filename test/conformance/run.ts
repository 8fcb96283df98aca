/** Shared helpers for running the official conformance suite (@modelcontextprotocol/conformance). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");

/** node24 is a Node >= 22 to run the suite on: this one, or the Node 24 that `npm test` provides. */
export function node24(): string {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const bin = process.env.TRELLIS_NODE24;
  assert.ok(
    bin && existsSync(bin),
    "the conformance suite needs Node >= 22: run through `npm test`, which sets TRELLIS_NODE24 (scripts/node24.sh)",
  );
  return bin;
}

export interface ScenarioResult {
  ok: boolean;
  name: string;
  passed: number;
  failed: number;
}

/** runConformance runs the suite and returns its summary text and one result per scenario. */
export function runConformance(args: string[], cwd: string): Promise<{ summary: string; scenarios: ScenarioResult[] }> {
  return new Promise((resolve) => {
    execFile(node24(), [cli, ...args], { cwd, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 }, (_err, stdout, stderr) => {
      const out = stdout + stderr;
      const summary = out.slice(Math.max(0, out.lastIndexOf("SUMMARY ===") - 8));
      const scenarios = [...summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gmu)].map((m) => ({
        ok: m[1] === "✓" && m[4] === "0",
        name: m[2]!,
        passed: Number(m[3]),
        failed: Number(m[4]),
      }));
      resolve({ summary, scenarios });
    });
  });
}

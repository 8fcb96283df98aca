/** Shared helpers for running the official conformance suite (@modelcontextprotocol/conformance). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { resolvePeer } from "../peers.js";

const cli = join(dirname(resolvePeer("@modelcontextprotocol/conformance/package.json")), "dist/index.js");

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

/** ranAndPassed asserts that each named scenario was run and passed (so a renamed or skipped one cannot hide). */
export function ranAndPassed(scenarios: ScenarioResult[], names: string[], summary: string): void {
  for (const name of names)
    assert.ok(
      scenarios.some((s) => s.name === name && s.ok),
      `${name} ran and passed:\n${summary}`,
    );
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

export interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/**
 * runScenario runs one scenario by name (`server --url U` or `client --command C` in `args`) and returns its checks
 * from the suite's checks.json, so a test can require each check to be SUCCESS: a scenario whose checks are all
 * SKIPPED exits 0 too.
 */
export function runScenario(args: string[], scenario: string, cwd: string): Promise<{ checks: Check[]; output: string }> {
  const out = mkdtempSync(join(cwd, "out-"));
  return new Promise((resolve) => {
    execFile(
      node24(),
      [cli, ...args, "--scenario", scenario, "-o", out],
      { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (_e, stdout, stderr) => {
        const dir = readdirSync(out).find((d) => statSync(join(out, d)).isDirectory());
        const file = dir && join(out, dir, "checks.json");
        const checks = file && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Check[]) : [];
        resolve({ checks, output: stdout + stderr });
      },
    );
  });
}

#!/usr/bin/env node
// Runs every compiled test under dist/test with node's test runner: first on the Node running this script,
// then on Node 24 (scripts/node24.sh), unless --only-current is given or this Node is already >= 24.
// Usage: node scripts/test.mjs [--only-current] [filter substring...]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync, execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const onlyCurrent = args.includes("--only-current");
const filters = args.filter((a) => !a.startsWith("--"));
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js") && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(join(root, "dist/test"));
files.sort();

function run(node, env) {
  const version = execFileSync(node, ["--version"]).toString().trim();
  console.log(`\n=== node ${version}: ${files.length} test files ===`);
  const r = spawnSync(
    node,
    [
      "--test",
      "--test-concurrency=2",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${join(root, "scripts/summary-reporter.mjs")}`,
      "--test-reporter-destination=stdout",
      ...files,
    ],
    { stdio: "inherit", cwd: root, env: { ...process.env, ...env } },
  );
  return r.status ?? 1;
}

const major = Number(process.versions.node.split(".")[0]);
let node24;
if (!onlyCurrent || major < 22) {
  node24 = execFileSync("bash", [join(root, "scripts/node24.sh")], { stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim();
}
// The conformance suite needs Node >= 22: tests find it here.
const shared = node24 ? { TRELLIS_NODE24: node24 } : {};
// Test peers that declare Node >= 22, installed beside the repository (scripts/peers.sh): tests load them from here.
shared.TRELLIS_PEERS = execFileSync("bash", [join(root, "scripts/peers.sh")], { stdio: ["ignore", "pipe", "inherit"] })
  .toString()
  .trim();
let status = run(process.execPath, shared);
if (!onlyCurrent && major < 24 && node24) status = run(node24, shared) || status;
process.exit(status);

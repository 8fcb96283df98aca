#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner on the Node running this script.
// Usage: node scripts/test.mjs [filter substring...]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js") && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(join(root, "dist/test"));
files.sort();
console.log(`node ${process.version}: ${files.length} test files`);
const r = spawnSync(process.execPath, [
  "--test",
  "--test-concurrency=2",
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  `--test-reporter=${join(root, "scripts/summary-reporter.mjs")}`, "--test-reporter-destination=stdout",
  ...files,
], { stdio: "inherit", cwd: root, env: { ...process.env, TRELLIS_ROOT: root } });
process.exit(r.status ?? 1);

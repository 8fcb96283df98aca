/**
 * `npm run fuzz [-- --cases N --seed S --only session|stdio|http]`: runs every fuzz target N times (default
 * 100 000 each) and prints, per target, cases run, property failures (crashes, malformed output, missing
 * answers), exceptions that escaped, hangs and heap growth. Exits non-zero if anything failed.
 */
import { fuzzHttp, fuzzSession, fuzzStdio, type FuzzReport } from "./targets.js";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const cases = Number(arg("cases") ?? 100_000);
const seed = Number(arg("seed") ?? Date.now() % 2 ** 31);
const only = arg("only");
const targets = { session: fuzzSession, stdio: fuzzStdio, http: fuzzHttp };
if (!(globalThis as { gc?: unknown }).gc) console.warn("run with --expose-gc to measure heap growth");
console.log(`fuzzing with ${cases} cases per target, seed ${seed}`);
const reports: FuzzReport[] = [];
for (const [name, target] of Object.entries(targets)) {
  if (only && only !== name) continue;
  const r = await target(cases, seed);
  reports.push(r);
  const heap = r.heapGrowthMiB === undefined ? "n/a" : `${r.heapGrowthMiB >= 0 ? "+" : ""}${r.heapGrowthMiB.toFixed(1)} MiB`;
  console.log(
    `${r.target.padEnd(16)} ${String(r.cases).padStart(7)} cases  ${(r.ms / 1000).toFixed(1).padStart(6)} s  failures ${r.failures.length}  uncaught ${r.uncaught.length}  hangs ${r.hangs}  heap ${heap}`,
  );
  for (const f of r.failures) console.log(`  FAILURE ${f}`);
  for (const u of r.uncaught.slice(0, 10)) console.log(`  UNCAUGHT ${u}`);
}
const total = reports.reduce((n, r) => n + r.cases, 0);
const bad = reports.reduce((n, r) => n + r.failures.length + r.uncaught.length + r.hangs, 0);
const grew = reports.filter((r) => (r.heapGrowthMiB ?? 0) > 64);
for (const r of grew) console.log(`  HEAP ${r.target} grew ${r.heapGrowthMiB!.toFixed(1)} MiB`);
console.log(`${total} cases: ${bad} crashes, uncaught exceptions or hangs; ${grew.length} targets with heap growth over 64 MiB`);
process.exit(bad || grew.length ? 1 : 0);

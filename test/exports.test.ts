/** The public surface: the exports map resolves, and the runtime-neutral entries pull in no Node built-ins. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

test("every subpath export loads and exports something", async () => {
  for (const [sub, target] of Object.entries<{ types: string; import: string }>(pkg.exports)) {
    const mod = await import(join(root, target.import));
    assert.ok(Object.keys(mod).length > 0, sub);
    const src = await import(join(root, target.types.replace(/\.d\.ts$/, ".js")));
    assert.deepEqual(Object.keys(mod).sort(), Object.keys(src).sort(), `${sub}: the bundle exports what the source does`);
  }
});

/** Follows relative imports from `entry` and returns every bare or node: specifier reached. */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const found = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith(".")) stack.push(resolve(dirname(file), spec));
      else if (!m[0].includes("import(")) found.add(spec);
    }
  }
  return found;
}

test("'.', './server', './client' and './auth' need no Node built-ins and no native modules", () => {
  const neutral = [".", "./server", "./client", "./auth"].map((k) => pkg.exports[k]);
  for (const entry of neutral.flatMap((e) => [e.import, e.types.replace(/\.d\.ts$/, ".js")])) {
    const ext = [...externalImports(join(root, entry))];
    assert.deepEqual(
      ext.filter((s) => s.startsWith("node:") || s === "better-sqlite3"),
      [],
      entry,
    );
  }
});

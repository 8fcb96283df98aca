/**
 * The layout holds: imports go only where the README's architecture table allows (the table is the one source of
 * the layer order), each runtime dependency is imported from its one place, and every source file that holds
 * logic has a test file mirroring its path.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const readme = readFileSync(join(root, "README.md"), "utf8");
const architecture = readme.slice(readme.indexOf("## Architecture"), readme.indexOf("\n## ", readme.indexOf("## Architecture") + 5));

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

const sources = files("src", ".ts").filter((f) => !f.startsWith("src/protocol/generated/"));
/** Entry points assemble the public API from any layer. */
const entries = new Set([...Object.values<string>(pkg.trellisEntries), ...sources.filter((f) => f.endsWith("/index.ts"))]);
const layerOf = (file: string) => (file.split("/").length > 2 ? file.split("/")[1]! : undefined);

function imports(file: string): { spec: string; target?: string }[] {
  const src = readFileSync(join(root, file), "utf8");
  return [
    ...src.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|createRequire\([^)]*\)\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g,
    ),
  ].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
    return spec.startsWith(".") ? { spec, target: normalize(join(dirname(file), spec)) } : { spec };
  });
}

test("the README's architecture table names every folder of src/ and what each may import", () => {
  const rows = [...architecture.matchAll(/^\| `src\/(\w+)\/` \|.*\| ([^|]+) \|$/gm)];
  const allowed = new Map(rows.map((m) => [m[1]!, new Set(m[2]!.trim() === "—" ? [] : m[2]!.split(",").map((s) => s.trim()))]));
  const folders = new Set(sources.map(layerOf).filter((l): l is string => l !== undefined));
  assert.deepEqual([...allowed.keys()].sort(), [...folders].sort(), "one row per folder");
  const wrong: string[] = [];
  for (const file of sources) {
    if (entries.has(file)) continue;
    const layer = layerOf(file)!;
    for (const { spec, target } of imports(file)) {
      if (!target) continue;
      const to = layerOf(target);
      if (to !== undefined && to !== layer && !allowed.get(layer)!.has(to)) wrong.push(`${file} imports ${spec} (${layer} → ${to})`);
    }
  }
  assert.deepEqual(wrong, [], "imports that go against the table");
});

test("each runtime dependency is imported only from the folders the README names", () => {
  const rows = [...architecture.matchAll(/^\| (`[^|]+`) \| (`src\/[^|]+`) \|$/gm)];
  const homes = new Map<string, string[]>();
  for (const [, deps, dirs] of rows) for (const dep of deps!.match(/[\w@/.-]+(?=`)/g)!) homes.set(dep, dirs!.match(/src\/[\w/]+\//g)!);
  assert.deepEqual(
    [...homes.keys()].sort(),
    Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).sort(),
    "one row for every runtime dependency",
  );
  const wrong: string[] = [];
  for (const file of [...sources, ...files("src/protocol/generated", ".js")]) {
    for (const { spec, target } of imports(file)) {
      if (target) continue;
      const dep = [...homes.keys()].find((d) => spec === d || spec.startsWith(`${d}/`));
      if (dep && !homes.get(dep)!.some((h) => file.startsWith(h))) wrong.push(`${file} imports ${spec}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** Files with nothing to test on their own: types and interfaces only, or the public lists. */
const NO_LOGIC = new Set([
  "src/protocol/types.ts",
  "src/protocol/method-types.ts",
  "src/auth/jwk.ts",
  "src/auth/client/options.ts",
  "src/stores/event-store.ts",
  "src/stores/session-store.ts",
  "src/transports/http/options.ts",
  "src/transports/http/request.ts",
  "src/auth/server/options.ts",
  "src/auth/server/context.ts",
  "src/auth/server/code.ts",
  "src/stores/auth-store.ts",
  "src/bundles/schemas.ts",
]);
/** Files whose test sits with a sibling's: a backend's contract run, or the seam a transport's test covers. */
const TESTED_IN: Record<string, string> = {
  "src/auth/client/file-credential-store.ts": "test/auth/client/credential-store.test.ts",
  "src/transports/http-client/auth.ts": "test/transports/http-client/transport.test.ts",
  "src/ext/apps/node-server.ts": "test/ext/apps/browser.test.ts",
  "src/ext/apps/mount.ts": "test/ext/apps/browser.test.ts",
  "src/auth/server/authorize.ts": "test/auth/server/security.test.ts",
  "src/auth/server/token.ts": "test/auth/server/security.test.ts",
  "src/auth/server/id-jag.ts": "test/auth/server/security.test.ts",
  "src/bundles/manifest.ts": "test/bundles/bundle.test.ts",
  "src/bundles/zip.ts": "test/bundles/bundle.test.ts",
  "src/bundles/signature.ts": "test/bundles/bundle.test.ts",
  "src/cli/bundle.ts": "test/cli/main.test.ts",
  "src/cli/inspect.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/node.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/page.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/main.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/schema-form.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/oauth.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/api.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/connect.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/content.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/questions.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/app/tools.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/events.ts": "test/dashboard/dashboard.test.ts",
  "src/dashboard/http.ts": "test/dashboard/dashboard.test.ts",
  "src/server/background.ts": "test/server/tasks-extension.test.ts",
  "src/dashboard/oauth-guide.ts": "test/dashboard/dashboard.test.ts",
  "src/bundles/install.ts": "test/cli/install.test.ts",
};

test("every source file that holds logic has a test mirroring its path", () => {
  const missing: string[] = [];
  for (const file of sources) {
    if (entries.has(file) || NO_LOGIC.has(file)) continue;
    const backend = /^src\/stores\/(memory|sqlite|redis)\//.exec(file);
    const want =
      TESTED_IN[file] ?? (backend ? `test/stores/${backend[1]}.test.ts` : `test/${relative("src", file).replace(/\.ts$/, ".test.ts")}`);
    if (!existsSync(join(root, want))) missing.push(`${file} → ${want}`);
  }
  assert.deepEqual(missing, []);
});

/**
 * Files past 350 lines, each held to the size it has (a ratchet: they may shrink, and leave this list once under
 * 350, but not grow); every other file stays at 350 or under. Split a concern into its own file rather than raise a
 * number here. Generated code is left out.
 */
const OVERSIZED: Record<string, number> = {
  "src/client/client.ts": 727,
  "src/server/server.ts": 601,
  "src/transports/http/handler.ts": 493,
  "src/auth/server/server.ts": 449,
  "src/transports/http-client/transport.ts": 398,
  "src/auth/server/authorize.ts": 409,
  "src/transports/http/sessions.ts": 377,
  "src/auth/server/clients.ts": 357,
  "src/transports/http/session-transport.ts": 355,
};

test("no source file over 350 lines, and the few that are do not grow", () => {
  const wrong: string[] = [];
  for (const file of sources) {
    const lines = readFileSync(join(root, file), "utf8").split("\n").length - 1;
    const ceiling = OVERSIZED[file] ?? 350;
    if (lines > ceiling) wrong.push(`${file}: ${lines} lines (at most ${ceiling})`);
  }
  assert.deepEqual(wrong, []);
});

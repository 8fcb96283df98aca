// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the manifest substitutions are literally ${...}
/**
 * Packing leaves out what only devDependencies need: a server folder after `npm install`, with a compiler beside
 * what runs, packs without the compiler, says how much was left out, and --include-dev (includeDev) packs all.
 * What dependencies reach — directly, through another package, nested or scoped — the entry point's own package,
 * and extraneous packages stay.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packBundle } from "../../src/bundles/index.js";
import { devOnlyPackages, du } from "../../src/bundles/dev-deps.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));

/** A server folder as npm leaves it: runtime packages, dev-only ones (one nested, one scoped), links in .bin. */
function serverFolder(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "trellis-devdeps-")));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const pkg = (dir: string, deps: Record<string, Record<string, string>> = {}) =>
    put(`${dir}/package.json`, JSON.stringify({ name: dir.split("node_modules/").pop(), version: "1.0.0", ...deps }));
  const manifest = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8"));
  // The command also names a file in a package package.json calls a devDependency: that package must stay.
  manifest.server.mcp_config.args = ["${__dirname}/server/index.js", "--runner=${__dirname}/node_modules/runner/cli.js"];
  put("manifest.json", JSON.stringify(manifest));
  put("server/index.js", readFileSync(join(FIXTURE, "server/index.js"), "utf8"));
  put(
    "package.json",
    JSON.stringify({
      name: "server",
      dependencies: { a: "1" },
      optionalDependencies: { opt: "1" },
      devDependencies: { big: "1", "@types/x": "1", tool: "1", runner: "1", a: "1" },
    }),
  );
  pkg("node_modules/a", { dependencies: { c: "1" } });
  put("node_modules/a/index.js", "module.exports = 1;\n");
  pkg("node_modules/c");
  pkg("node_modules/opt");
  pkg("node_modules/extraneous");
  pkg("node_modules/big", { dependencies: { c: "1", d: "1", e: "1" } });
  put("node_modules/big/lib.js", "x".repeat(50_000));
  put("node_modules/big/bin/big.js", "#!/usr/bin/env node\n");
  pkg("node_modules/big/node_modules/e");
  pkg("node_modules/d");
  pkg("node_modules/@types/x");
  put("node_modules/@types/x/index.d.ts", "export {};\n");
  pkg("node_modules/tool", { peerDependencies: { c: "1" } });
  pkg("node_modules/runner", { dependencies: { "runner-dep": "1" } });
  put("node_modules/runner/cli.js", "\n");
  pkg("node_modules/runner-dep");
  mkdirSync(join(root, "node_modules/.bin"));
  symlinkSync("../big/bin/big.js", join(root, "node_modules/.bin/big"));
  symlinkSync("../a/index.js", join(root, "node_modules/.bin/a"));
  return root;
}

test("devOnlyPackages: what only devDependencies reach, outermost folders only; runtime, needed and extraneous ones stay", async () => {
  const root = serverFolder();
  try {
    const found = await devOnlyPackages(root, ["server/index.js", "node_modules/runner/cli.js"]);
    assert.deepEqual(
      found.map((d) => d.slice(root.length + 1)),
      ["node_modules/@types/x", "node_modules/big", "node_modules/d", "node_modules/tool"],
    );
    assert.deepEqual(
      (await devOnlyPackages(root)).map((d) => d.slice(root.length + 1)),
      [
        "node_modules/@types/x",
        "node_modules/big",
        "node_modules/d",
        "node_modules/runner",
        "node_modules/runner-dep",
        "node_modules/tool",
      ],
      "without the manifest's paths, runner is dev-only",
    );
    // No package.json or no devDependencies: nothing is judged dev-only.
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "server", dependencies: { a: "1" } }));
    assert.deepEqual(await devOnlyPackages(root), []);
    rmSync(join(root, "package.json"));
    assert.deepEqual(await devOnlyPackages(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("pack leaves out the packages only devDependencies need, links into them too, and says what and how much", async () => {
  const root = serverFolder();
  try {
    const packed = await packBundle(root);
    const packages = (files: string[]) => [
      ...new Set(files.filter((f) => f.startsWith("node_modules/")).map((f) => f.split("/").slice(0, 2).join("/"))),
    ];
    assert.deepEqual(packages(packed.files).sort(), [
      "node_modules/.bin",
      "node_modules/a",
      "node_modules/c",
      "node_modules/extraneous",
      "node_modules/opt",
      "node_modules/runner",
      "node_modules/runner-dep",
    ]);
    assert.ok(packed.files.includes("node_modules/.bin/a"), "a link to a runtime package stays");
    assert.ok(!packed.files.includes("node_modules/.bin/big"), "a link into a dev-only package goes with it");
    const expected = [
      await du(join(root, "node_modules/@types/x")),
      await du(join(root, "node_modules/big")),
      await du(join(root, "node_modules/d")),
      await du(join(root, "node_modules/tool")),
    ];
    assert.deepEqual(packed.leftOut, {
      packages: ["node_modules/@types/x", "node_modules/big", "node_modules/d", "node_modules/tool"],
      files: expected.reduce((n, s) => n + s.files, 0),
      bytes: expected.reduce((n, s) => n + s.bytes, 0),
    });
    assert.ok(packed.leftOut.bytes > 50_000 && packed.leftOut.files === 8);

    const all = await packBundle(root, { includeDev: true });
    assert.ok(all.files.includes("node_modules/big/lib.js") && all.files.includes("node_modules/big/node_modules/e/package.json"));
    assert.ok(all.files.includes("node_modules/.bin/big"));
    assert.deepEqual(all.leftOut, { packages: [], files: 0, bytes: 0 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

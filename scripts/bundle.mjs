#!/usr/bin/env node
// Bundles the public entry points into dist/bundle (ESM, code-split so that classes are shared between
// entries). Loading one bundled file instead of ~100 small modules cuts cold start by about 40 ms; the
// dependencies that are pure JS (ajv, ajv-formats) are bundled in, native better-sqlite3 stays external.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const entryPoints = Object.fromEntries(Object.entries(pkg.trellisEntries).map(([name, src]) => [name, src]));
await build({
  entryPoints,
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // commander and ioredis are CommonJS that require Node built-ins, which an ESM bundle cannot: plain dependencies.
  external: ["better-sqlite3", "commander", "ioredis"],
  // yaml's Node build is CommonJS and requires "process", which an ESM bundle cannot; its browser build is the
  // same parser as plain ESM that needs nothing from the runtime.
  alias: { yaml: "./node_modules/yaml/browser/index.js" },
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});

// The dashboard's page: preact and htm bundled in, nothing fetched at run time.
await build({
  entryPoints: { "dashboard-app": "src/dashboard/app/main.ts" },
  outdir: "dist/bundle",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});

// The browser half of MCP Apps is its own bundle, for pages: no Node built-ins, nothing shared with the rest.
await build({
  entryPoints: { "apps-browser": "src/ext/apps/browser.ts" },
  outdir: "dist/bundle",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});

// Hand-written declarations of generated JavaScript (src/**/*.d.ts beside a .js): tsc with allowJs emits its own
// declarations for the .js over them, inferred from the code and invalid for a strict consumer (issue: ~90 errors
// with skipLibCheck off). The written ones are the contract: copied over what tsc emitted.
{
  const { copyFileSync, readdirSync, existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".d.ts") && existsSync(p.replace(/\.d\.ts$/, ".js"))) copyFileSync(p, join("dist", p));
    }
  };
  walk("src");
}

#!/usr/bin/env node
// Builds the everything example as an MCP Bundle: .trellis/everything-bundle/ (manifest.json, server/everything.js
// — one esbuild file with every dependency — and skills/), then .trellis/trellis-everything.mcpb with trellis.
// The manifest's tools and prompts are asked of the server itself (flagged tools_generated / prompts_generated).
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, ".trellis/everything-bundle");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "server"), { recursive: true });
await build({
  entryPoints: [join(root, "examples/everything/bundle-entry.ts")],
  outfile: join(out, "server/everything.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3"],
  alias: { yaml: join(root, "node_modules/yaml/browser/index.js") },
  banner: { js: "import { createRequire as __trellisRequire } from 'node:module'; const require = __trellisRequire(import.meta.url);" },
  logLevel: "warning",
});
cpSync(join(root, "examples/everything/skills"), join(out, "skills"), { recursive: true });

// Ask the server what it offers, in memory, as `trellis bundle init` does.
const { createEverythingServer } = await import(join(root, "dist/examples/everything/server.js"));
const { McpClient } = await import(join(root, "dist/src/client/index.js"));
const { MemoryTransport } = await import(join(root, "dist/src/index.js"));
const server = createEverythingServer({ tasks: {}, apps: true });
const [a, b] = MemoryTransport.createPair();
server.connect(a);
const client = new McpClient({ name: "bundle", version: "1" });
await client.connect(b);
const tools = (await client.listAllTools()).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) }));
const prompts = (await client.listAllPrompts()).map((p) => ({
  name: p.name,
  ...(p.description ? { description: p.description } : {}),
  ...(p.arguments?.length ? { arguments: p.arguments.map((x) => x.name) } : {}),
  text: p.description ?? p.name,
}));
await client.close();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const manifest = {
  manifest_version: "0.4",
  name: "trellis-everything",
  display_name: "Trellis everything server",
  version: pkg.version,
  description: "Every MCP feature in one server (tools, resources, prompts, tasks, an MCP App, skills), built with Trellis",
  author: { name: "Trellis" },
  license: pkg.license,
  server: {
    type: "node",
    entry_point: "server/everything.js",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest substitution, literally ${__dirname}
    mcp_config: { command: "node", args: ["${__dirname}/server/everything.js"], env: {} },
  },
  tools,
  tools_generated: true,
  prompts,
  prompts_generated: true,
  keywords: ["mcp", "example", "trellis"],
  compatibility: { platforms: ["darwin", "linux", "win32"], runtimes: { node: ">=20.19.0" } },
};
writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
const { packBundle } = await import(join(root, "dist/src/bundles/index.js"));
const packed = await packBundle(out);
writeFileSync(join(root, ".trellis/trellis-everything.mcpb"), packed.bytes);
console.log(`.trellis/trellis-everything.mcpb: ${packed.files.length} files, ${packed.bytes.length} bytes`);

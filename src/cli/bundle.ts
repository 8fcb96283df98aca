/** `trellis bundle ...`: MCP Bundles (.mcpb) — pack, validate, info, unpack. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { checkManifest, formatProblems, manifestVersion, packBundle, readBundle, unpackBundle } from "../bundles/index.js";

export function addBundleCommands(program: Command): void {
  const bundle = program
    .command("bundle")
    .description("MCP Bundles (.mcpb): pack a server folder, check one, look inside, unpack")
    .addHelpText("after", "\nExample:\n  trellis bundle pack ./my-server my-server.mcpb && trellis bundle info my-server.mcpb");

  bundle
    .command("pack")
    .description("pack a folder holding manifest.json into a bundle (honours .mcpbignore)")
    .argument("<dir>", "the server folder")
    .argument("[out]", "the bundle to write", "")
    .addHelpText("after", "\nExample:\n  trellis bundle pack ./my-server my-server.mcpb")
    .action(async (dir: string, out: string) => {
      const packed = await packBundle(dir);
      const file = out || `${packed.manifest.name}-${packed.manifest.version}.mcpb`;
      await writeFile(file, packed.bytes);
      program.configureOutput().writeOut?.(`${file}: ${packed.files.length} files, ${packed.bytes.length} bytes\n`);
    });

  bundle
    .command("validate")
    .description("check a manifest (a folder, a manifest.json, or a .mcpb) against the official schema of its version")
    .argument("<target>", "a folder, manifest.json or .mcpb")
    .addHelpText("after", "\nExample:\n  trellis bundle validate ./my-server")
    .action(async (target: string) => {
      const { manifest, problems, where } = await load(target);
      if (problems.length) throw new Error(`${where} is not valid:\n${formatProblems(problems)}`);
      program
        .configureOutput()
        .writeOut?.(`${where}: valid manifest v${manifestVersion(manifest)} for ${String((manifest as { name?: unknown }).name)}\n`);
    });

  bundle
    .command("info")
    .description("show what a bundle holds: name, version, the command it runs, files, signature block")
    .argument("<file>", "the .mcpb")
    .addHelpText("after", "\nExample:\n  trellis bundle info my-server.mcpb")
    .action(async (file: string) => {
      const b = readBundle(new Uint8Array(await readFile(file)));
      const m = b.manifest;
      const cfg = m.server?.mcp_config;
      const lines = [
        `${m.display_name ?? m.name} ${m.version} (manifest v${manifestVersion(m)})`,
        `  ${m.description}`,
        `  author: ${m.author?.name ?? "?"}`,
        `  runs: ${[cfg?.command, ...(cfg?.args ?? [])].join(" ")}`,
        ...(cfg?.env ? [`  environment: ${Object.keys(cfg.env).join(", ")}`] : []),
        `  files: ${b.entries.length} (${b.entries.reduce((n, e) => n + e.data.length, 0)} bytes unpacked)`,
        `  signature: ${b.signature.malformed ? `malformed (${b.signature.malformed})` : b.signature.present ? "a signature block is present (check it with a verifier)" : "none"}`,
        ...(b.problems.length
          ? [
              "  manifest problems:",
              ...formatProblems(b.problems)
                .split("\n")
                .map((l) => `    ${l}`),
            ]
          : []),
      ];
      program.configureOutput().writeOut?.(`${lines.join("\n")}\n`);
    });

  bundle
    .command("unpack")
    .description("unpack a bundle into a new folder, refusing anything that could write outside it")
    .argument("<file>", "the .mcpb")
    .argument("<dir>", "an empty or new folder")
    .addHelpText("after", "\nExample:\n  trellis bundle unpack my-server.mcpb ./unpacked")
    .action(async (file: string, dir: string) => {
      const b = await unpackBundle(new Uint8Array(await readFile(file)), dir);
      program.configureOutput().writeOut?.(`${dir}: ${b.entries.length} files\n`);
    });
}

/** load reads a manifest from a folder, a manifest.json or a bundle. */
async function load(target: string): Promise<{ manifest: unknown; problems: ReturnType<typeof checkManifest>; where: string }> {
  const s = await stat(target);
  if (s.isDirectory()) target = join(target, "manifest.json");
  if (target.endsWith(".json")) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(await readFile(target, "utf8"));
    } catch (err) {
      throw new Error(`${target}: not JSON (${(err as Error).message})`);
    }
    return { manifest, problems: checkManifest(manifest), where: target };
  }
  const b = readBundle(new Uint8Array(await readFile(target)));
  return { manifest: b.manifest, problems: b.problems, where: target };
}

/**
 * `trellis bundle ...`: MCP Bundles (.mcpb) — pack, validate, info, unpack. Everything these print that a bundle, a
 * manifest or a certificate wrote goes through `visible` (and every action's errors through withVisibleErrors).
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { bundleFileName } from "../bundles/bundle.js";
import { initManifest, type InitOptions } from "../bundles/init.js";
import { platformConfig } from "../bundles/launch.js";
import { withVisibleErrors } from "../internal/terminal.js";
import {
  checkManifest,
  cleanBundle,
  formatProblems,
  manifestVersion,
  packBundle,
  readBundle,
  shellQuote,
  signBundle,
  unpackBundle,
  unsignBundle,
  verifyBundle,
  visible,
} from "../bundles/index.js";

export function addBundleCommands(program: Command): void {
  const bundle = program
    .command("bundle")
    .description("MCP Bundles (.mcpb): make a manifest, pack, check, look inside, unpack, clean, sign and verify")
    .addHelpText("after", "\nExample:\n  trellis bundle pack ./my-server my-server.mcpb && trellis bundle info my-server.mcpb");

  bundle
    .command("init")
    .description("write manifest.json for a server folder; its tools and prompts are asked of the server itself")
    .argument("[dir]", "the server folder", ".")
    .option("--entry <path>", "the entry point, relative to the folder (default: package.json main, else server/index.js)")
    .option("--type <type>", "node, python, uv or binary", "node")
    .option("--name <name>")
    .option("--version <version>")
    .option("--description <text>")
    .option("--author <name>")
    .option("--force", "replace an existing manifest.json")
    .addHelpText("after", "\nExample:\n  trellis bundle init ./my-server --entry dist/server.js")
    .action(
      withVisibleErrors(async (dir: string, o: InitOptions & { type: string }) => {
        const m = await initManifest(dir, { ...o, type: o.type as InitOptions["type"] });
        program
          .configureOutput()
          .writeOut?.(
            `${visible(join(dir, "manifest.json"))}: ${visible(m.name)} ${visible(m.version)}, ${m.tools?.length ?? 0} tools and ${m.prompts?.length ?? 0} prompts asked of the server\n`,
          );
      }),
    );

  bundle
    .command("clean")
    .description("repack a bundle without what it should not carry (.git, editor and OS files, .env, nested bundles), and check it")
    .argument("<file>", "the .mcpb, rewritten in place (a signature is dropped: sign again)")
    .addHelpText("after", "\nExample:\n  trellis bundle clean my-server.mcpb")
    .action(
      withVisibleErrors(async (file: string) => {
        const before = new Uint8Array(await readFile(file));
        const { bytes, dropped } = cleanBundle(before);
        await writeFile(file, bytes);
        program.configureOutput().writeOut?.(
          `${visible(file)}: ${dropped.length} files dropped${
            dropped.length
              ? ` (${dropped
                  .slice(0, 10)
                  .map((d) => visible(d))
                  .join(", ")}${dropped.length > 10 ? ", ..." : ""})`
              : ""
          }, ${before.length} → ${bytes.length} bytes\n`,
        );
      }),
    );

  bundle
    .command("pack")
    .description(
      "pack a folder holding manifest.json into a bundle (honours .mcpbignore; leaves out the node_modules packages only devDependencies need)",
    )
    .argument("<dir>", "the server folder")
    .argument("[out]", "the bundle to write (default: <name>-<version>.mcpb from the manifest, as a safe file name)", "")
    .option("--include-dev", "pack the packages only devDependencies need, too")
    .addHelpText("after", "\nExample:\n  trellis bundle pack ./my-server my-server.mcpb")
    .action(
      withVisibleErrors(async (dir: string, out: string, o: { includeDev?: boolean }) => {
        const packed = await packBundle(dir, { includeDev: o.includeDev });
        const file = out || bundleFileName(packed.manifest);
        await writeFile(file, packed.bytes);
        const { packages, files, bytes } = packed.leftOut;
        const left = packages.length
          ? `left out ${packages.length} ${packages.length === 1 ? "package" : "packages"} only devDependencies need (${size(bytes)} in ${files} files): ${packages
              .slice(0, 8)
              .map((p) => visible(p))
              .join(", ")}${packages.length > 8 ? ", ..." : ""}; --include-dev packs them\n`
          : "";
        program.configureOutput().writeOut?.(`${visible(file)}: ${packed.files.length} files, ${packed.bytes.length} bytes\n${left}`);
      }),
    );

  bundle
    .command("validate")
    .description("check a manifest (a folder, a manifest.json, or a .mcpb) against the official schema of its version")
    .argument("<target>", "a folder, manifest.json or .mcpb")
    .addHelpText("after", "\nExample:\n  trellis bundle validate ./my-server")
    .action(
      withVisibleErrors(async (target: string) => {
        const { manifest, problems, where } = await load(target);
        if (problems.length) throw new Error(`${visible(where)} is not valid:\n${formatProblems(problems)}`);
        program
          .configureOutput()
          .writeOut?.(
            `${visible(where)}: valid manifest v${visible(String(manifestVersion(manifest)))} for ${visible(String((manifest as { name?: unknown }).name))}\n`,
          );
      }),
    );

  bundle
    .command("info")
    .description("show what a bundle holds: name, version, the command it runs, files, signature block")
    .argument("<file>", "the .mcpb")
    .addHelpText("after", "\nExample:\n  trellis bundle info my-server.mcpb")
    .action(
      withVisibleErrors(async (file: string) => {
        const b = readBundle(new Uint8Array(await readFile(file)));
        const m = b.manifest;
        const cfg: unknown = m.server?.mcp_config;
        const lines = [
          `${m.display_name ?? m.name} ${m.version} (manifest v${manifestVersion(m)})`,
          `  ${m.description}`,
          `  author: ${m.author?.name ?? "?"}`,
          ...runsLines(cfg),
          `  files: ${b.entries.length} (${b.entries.reduce((n, e) => n + e.data.length, 0)} bytes unpacked)`,
          `  signature: ${b.signature.malformed ? `malformed (${b.signature.malformed})` : b.signature.present ? "present (trellis bundle verify checks it)" : "none"}`,
          ...(b.problems.length
            ? [
                "  manifest problems:",
                ...formatProblems(b.problems)
                  .split("\n")
                  .map((l) => `    ${l}`),
              ]
            : []),
        ];
        program.configureOutput().writeOut?.(`${lines.map((l) => visible(l)).join("\n")}\n`);
      }),
    );

  bundle
    .command("unpack")
    .description("unpack a bundle into a new folder, refusing anything that could write outside it")
    .argument("<file>", "the .mcpb")
    .argument("<dir>", "an empty or new folder")
    .addHelpText("after", "\nExample:\n  trellis bundle unpack my-server.mcpb ./unpacked")
    .action(
      withVisibleErrors(async (file: string, dir: string) => {
        const b = await unpackBundle(new Uint8Array(await readFile(file)), dir);
        program.configureOutput().writeOut?.(`${visible(dir)}: ${b.entries.length} files\n`);
      }),
    );
  addSignatureCommands(bundle, (s) => program.configureOutput().writeOut?.(s));
}

export function addSignatureCommands(bundle: Command, write: (s: string) => void): void {
  bundle
    .command("sign")
    .description("sign a bundle (PKCS#7, the mcpb format); the result stays a valid ZIP")
    .argument("<file>", "the .mcpb, signed in place")
    .requiredOption("--cert <pem>", "the signing certificate")
    .requiredOption("--key <pem>", "its private key")
    .option("--intermediate <pem...>", "intermediate certificates to include")
    .addHelpText(
      "after",
      "\nExample:\n  trellis bundle sign my-server.mcpb --cert publisher.pem --key publisher.key --intermediate ca-intermediate.pem",
    )
    .action(
      withVisibleErrors(async (file: string, o: { cert: string; key: string; intermediate?: string[] }) => {
        const signed = await signBundle(new Uint8Array(await readFile(file)), {
          certificate: await readFile(o.cert, "utf8"),
          privateKey: await readFile(o.key, "utf8"),
          intermediates: await Promise.all((o.intermediate ?? []).map((p) => readFile(p, "utf8"))),
        });
        await writeFile(file, signed);
        write(`${visible(file)}: signed (${signed.length} bytes)\n`);
      }),
    );

  bundle
    .command("verify")
    .description("verify a bundle's signature: the exact bytes, the chain to a trust anchor (--ca, else the system's), the dates")
    .argument("<file>", "the .mcpb")
    .option("--ca <pem...>", "trust anchors instead of the system's root store")
    .option("--allow-self-signed", "exit 0 for a valid self-signed signature (it is still reported as such)")
    .addHelpText("after", "\nExample:\n  trellis bundle verify my-server.mcpb --ca my-root-ca.pem")
    .action(
      withVisibleErrors(async (file: string, o: { ca?: string[]; allowSelfSigned?: boolean }) => {
        const trusted = o.ca ? await Promise.all(o.ca.map((p) => readFile(p, "utf8"))) : undefined;
        const r = await verifyBundle(new Uint8Array(await readFile(file)), { trusted });
        const lines = [`${file}: ${r.status}${r.reason ? ` — ${r.reason}` : ""}`];
        if (r.signed) lines.push(`  signed: ${r.signed.bytes} bytes, sha256 ${r.signed.sha256}`);
        if (r.signer)
          lines.push(
            `  signer: ${r.signer.subject}`,
            `  issuer: ${r.signer.issuer}`,
            `  valid: ${r.signer.validFrom} to ${r.signer.validTo}`,
            `  fingerprint (SHA-256): ${r.signer.fingerprint256}`,
          );
        if (r.signingTime) lines.push(`  signed at: ${r.signingTime}`);
        if (r.chain) lines.push(`  chain: ${r.chain.join(" → ")}`);
        // Subjects, issuers and reasons come from the bundle's certificates: each line is made visible whole.
        const text = lines.map((l) => visible(l)).join("\n");
        const ok = r.status === "signed" || (r.status === "self-signed" && o.allowSelfSigned === true);
        if (!ok) throw new Error(text);
        write(`${text}\n`);
      }),
    );

  bundle
    .command("unsign")
    .description("remove a bundle's signature, restoring the ZIP as it was before signing")
    .argument("<file>", "the .mcpb, changed in place")
    .addHelpText("after", "\nExample:\n  trellis bundle unsign my-server.mcpb")
    .action(
      withVisibleErrors(async (file: string) => {
        await writeFile(file, unsignBundle(new Uint8Array(await readFile(file))));
        write(`${visible(file)}: unsigned\n`);
      }),
    );
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
      throw new Error(`${visible(target)}: not JSON (${visible((err as Error).message)})`);
    }
    return { manifest, problems: checkManifest(manifest), where: target };
  }
  const b = readBundle(new Uint8Array(await readFile(target)));
  return { manifest: b.manifest, problems: b.problems, where: target };
}

/**
 * runsLines says what a bundle runs — on this platform, where a platform_overrides entry can replace the command
 * entirely (so the manifest's own command is not what runs here, and info must not say it is) — then what it runs
 * on the other platforms it overrides. The same resolution as install and run (platformConfig); lines are made
 * visible by the caller. A manifest with problems is shown as far as it goes.
 */
function runsLines(cfg: unknown): string[] {
  if (typeof cfg !== "object" || cfg === null) return ["  runs: nothing (the manifest has no server.mcp_config)"];
  const mcp = cfg as Parameters<typeof platformConfig>[0];
  const overrides = (typeof mcp.platform_overrides === "object" && mcp.platform_overrides !== null ? mcp.platform_overrides : {}) as Record<
    string,
    unknown
  >;
  /** One platform's command line, and its environment's names after a semicolon. */
  const shown = (r: ReturnType<typeof platformConfig>) => {
    const env = typeof r.env === "object" && r.env !== null ? Object.keys(r.env) : [];
    const line = [String(r.command), ...(Array.isArray(r.args) ? r.args.map(String) : [])].map(word).join(" ");
    return { line, env, both: `${line}${env.length ? `; environment: ${env.join(", ")}` : ""}` };
  };
  const here = process.platform;
  const run = platformConfig(mcp, here);
  const now = shown(run);
  const lines = run.override
    ? [`  runs on ${here}: ${now.line}`, `    an override: platform_overrides.${here} ${overridden(overrides[here])} on this platform`]
    : [`  runs: ${now.line}`];
  if (now.env.length) lines.push(`  environment: ${now.env.join(", ")}`);
  if (run.override) lines.push(`  without an override: ${shown(platformConfig({ ...mcp, platform_overrides: {} }, here)).both}`);
  const others = Object.keys(overrides).filter((p) => p !== here);
  if (others.length) {
    lines.push("  other platforms' overrides:");
    for (const p of others) lines.push(`    ${p}: ${shown(platformConfig(mcp, p)).both}`);
  }
  return lines;
}

/** overridden says what an override entry replaces: "replaces the manifest's command and args", say. */
function overridden(entry: unknown): string {
  const fields = ["command", "args", "env"].filter((f) => typeof entry === "object" && entry !== null && f in entry);
  return fields.length ? `replaces the manifest's ${fields.join(" and ")}` : "is empty: it changes nothing";
}

/** word shows one argument of a manifest's command: as written, or quoted when it holds spaces or quotes. */
const word = (arg: string) => (/^[^\s'"\\]+$/.test(arg) ? arg : shellQuote(arg));

/** size: bytes as a person reads them (binary units, as the bundle limits are written). */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [n, unit] = bytes < 1024 ** 2 ? [bytes / 1024, "KiB"] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, "MiB"] : [bytes / 1024 ** 3, "GiB"];
  return `${n.toFixed(1)} ${unit}`;
}

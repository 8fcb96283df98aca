/**
 * Bundles (.mcpb): pack a folder, read one back with every safety check, unpack it. A bundle is a ZIP with
 * manifest.json at its root; reading never writes, and unpacking writes files first and links last, so no file
 * is ever written through a link.
 */
import { lstat, mkdir, readFile, readdir, readlink, realpath, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import ignore from "ignore";
import { visible } from "../internal/terminal.js";
import { TrellisError } from "../protocol/errors.js";
import { devOnlyPackages, du } from "./dev-deps.js";
import { checkManifest, type BundleManifest, type ManifestProblem } from "./manifest.js";
import { splitSignature } from "./signature.js";
import { readZip, writeZip, type ZipEntry, type ZipLimits } from "./zip.js";

/** What is never packed, besides what .mcpbignore names. */
export const DEFAULT_IGNORES = [
  ".git/",
  ".DS_Store",
  "Thumbs.db",
  "*.mcpb",
  ".mcpbignore",
  ".env",
  ".env.*",
  "npm-debug.log*",
  ".trellis/",
];

export interface ReadBundle {
  manifest: BundleManifest;
  /** Problems of the manifest against its schema (empty when valid). */
  problems: ManifestProblem[];
  entries: ZipEntry[];
  signature: { present: boolean; malformed?: string; pkcs7?: Uint8Array; content: Uint8Array };
}

/** readBundle reads a bundle's bytes: the archive under its limits, the manifest, the signature block. */
export function readBundle(bytes: Uint8Array, limits?: ZipLimits): ReadBundle {
  const split = splitSignature(bytes);
  const entries = readZip(split.content, limits);
  const manifestEntry = entries.find((e) => e.name === "manifest.json");
  if (!manifestEntry) throw new TrellisError("INVALID_MESSAGE", "the bundle has no manifest.json at its root");
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestEntry.data)) as BundleManifest;
  } catch (err) {
    throw new TrellisError("INVALID_MESSAGE", `manifest.json is not JSON: ${visible((err as Error).message)}`);
  }
  const problems = checkManifest(manifest);
  const entry = (manifest as Partial<BundleManifest>).server?.entry_point;
  if (typeof entry === "string" && problems.length === 0 && !entries.some((e) => e.name === entry.replace(/^\.\//, "")))
    problems.push({ pointer: "/server/entry_point", message: `${visible(entry)} is not in the bundle` });
  return {
    manifest,
    problems,
    entries,
    signature: {
      present: split.pkcs7 !== undefined || split.malformed !== undefined,
      malformed: split.malformed,
      pkcs7: split.pkcs7,
      content: split.content,
    },
  };
}

export interface PackOptions {
  /** Pack the packages under node_modules that only devDependencies need, too. Default: leave them out. */
  includeDev?: boolean;
}

export interface PackedBundle {
  bytes: Uint8Array;
  files: string[];
  manifest: BundleManifest;
  /** What was left out as needed only by devDependencies: the package folders (relative), their files and bytes. */
  leftOut: { packages: string[]; files: number; bytes: number };
}

/**
 * packBundle packs a folder holding manifest.json; it refuses an invalid manifest and links leaving the folder, and
 * leaves out the packages only devDependencies need (see dev-deps.ts), saying which.
 */
export async function packBundle(dir: string, o: PackOptions = {}): Promise<PackedBundle> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as BundleManifest;
  } catch (err) {
    throw new TrellisError("INVALID_MESSAGE", `${join(dir, "manifest.json")}: ${visible((err as Error).message)}`);
  }
  const problems = checkManifest(manifest);
  if (problems.length)
    throw new TrellisError(
      "INVALID_MESSAGE",
      `manifest.json is not valid:\n${problems.map((p) => `  ${visible(`#${p.pointer}: ${p.message}`)}`).join("\n")}`,
    );
  const ig = ignore().add(DEFAULT_IGNORES);
  const ignoreFile = await readFile(join(dir, ".mcpbignore"), "utf8").catch(() => "");
  ig.add(ignoreFile);
  const root = await realpath(dir);
  const devOnly = o.includeDev ? [] : await devOnlyPackages(root, neededPaths(manifest));
  const skipped = new Set<string>();
  const files: Array<{ name: string; data: Uint8Array; mode?: number }> = [];
  const walk = async (abs: string): Promise<void> => {
    for (const e of (await readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(abs, e.name);
      const rel = relative(root, path).split(sep).join("/");
      if (ig.ignores(e.isDirectory() ? `${rel}/` : rel)) continue;
      if (devOnly.length && (e.isDirectory() || e.isSymbolicLink()) && rel.split("/").includes("node_modules")) {
        // A dev-only package, or a link into one (node_modules/.bin/tsc): left out, and counted once below.
        const real = await realpath(path).catch(() => path);
        const inside = devOnly.find((d) => real === d || real.startsWith(`${d}${sep}`));
        if (inside) {
          if (real === inside) skipped.add(inside);
          continue;
        }
      }
      if (e.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined);
        if (!target || !(target === root || target.startsWith(`${root}${sep}`)))
          throw new TrellisError(
            "INVALID_MESSAGE",
            `${visible(rel)} is a link to ${visible(await readlink(path))}, outside the bundle folder`,
          );
        const st = await lstat(target);
        if (st.isDirectory()) await walk(path);
        else files.push({ name: rel, data: await readFile(path), mode: st.mode & 0o777 });
      } else if (e.isDirectory()) await walk(path);
      else if (e.isFile()) files.push({ name: rel, data: await readFile(path), mode: (await lstat(path)).mode & 0o777 });
    }
  };
  await walk(root);
  if (files.length > 20_000) throw new TrellisError("INVALID_MESSAGE", `${files.length} files; a bundle may hold at most 20 000`);
  const leftOut = { packages: [...skipped].map((d) => relative(root, d).split(sep).join("/")), files: 0, bytes: 0 };
  for (const d of skipped) {
    const size = await du(d);
    leftOut.files += size.files;
    leftOut.bytes += size.bytes;
  }
  return { bytes: writeZip(files), files: files.map((f) => f.name), manifest, leftOut };
}

/** neededPaths: the entry point and the files the command names under `${__dirname}` — never left out. */
function neededPaths(m: BundleManifest): string[] {
  const cfg = m.server.mcp_config;
  const texts = JSON.stringify([cfg, m.server.entry_point]);
  return [m.server.entry_point, ...[...texts.matchAll(/\$\{__dirname\}[/\\]+([^"\s]+)/g)].map((x) => x[1]!)];
}

/**
 * bundleFileName is the file `bundle pack` writes when told no other: `<name>-<version>.mcpb` from the manifest, as
 * a plain file name. The manifest's name is its author's text and must not choose a folder ("../x", "/etc/x"), hide
 * the file (".x"), pass for an option ("-rf") or carry control or invisible characters into a listing: letters,
 * marks and digits of any script, ".", "_" and "-" are kept, each run of anything else becomes one "_", and
 * leading dots, dashes and underscores go.
 */
export function bundleFileName(m: { name?: unknown; version?: unknown }): string {
  const part = (v: unknown, max: number, fallback: string) => {
    const safe = String(v ?? "")
      .normalize("NFC")
      .replace(/(?:(?![\p{L}\p{N}\p{M}._-])[\s\S]|\p{Default_Ignorable_Code_Point})+/gu, "_")
      .replace(/^[._-]+/, "");
    return Array.from(safe).slice(0, max).join("") || fallback;
  };
  return `${part(m.name, 100, "bundle")}-${part(m.version, 40, "0")}.mcpb`;
}

/** unpackBundle writes a bundle's files into `dir` (which must be empty or missing): files first, links last. */
export async function unpackBundle(bytes: Uint8Array, dir: string, limits?: ZipLimits): Promise<ReadBundle> {
  const bundle = readBundle(bytes, limits);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length) throw new TrellisError("INVALID_MESSAGE", `${dir} is not empty; unpack into a new folder`);
  const root = await realpath(dir);
  for (const e of bundle.entries) {
    if (e.link) continue;
    const path = join(root, ...e.name.split("/"));
    await mkdir(dirname(path), { recursive: true });
    const parent = await realpath(dirname(path));
    if (parent !== root && !parent.startsWith(`${root}${sep}`))
      throw new TrellisError("INVALID_MESSAGE", `${visible(e.name)} would be written outside ${dir}`);
    await writeFile(path, e.data, { mode: e.mode ?? 0o644, flag: "wx" });
  }
  for (const e of bundle.entries) {
    if (!e.link) continue;
    const path = join(root, ...e.name.split("/"));
    await mkdir(dirname(path), { recursive: true });
    const parent = await realpath(dirname(path));
    if (parent !== root && !parent.startsWith(`${root}${sep}`))
      throw new TrellisError("INVALID_MESSAGE", `${visible(e.name)} would be written outside ${dir}`);
    await symlink(new TextDecoder().decode(e.data), path);
  }
  return bundle;
}

/** cleanBundle repacks a bundle without the files DEFAULT_IGNORES names; the manifest must be valid. */
export function cleanBundle(bytes: Uint8Array): { bytes: Uint8Array; dropped: string[] } {
  const b = readBundle(bytes);
  if (b.problems.length)
    throw new TrellisError(
      "INVALID_MESSAGE",
      `manifest.json is not valid:\n${b.problems.map((p) => `  ${visible(`#${p.pointer}: ${p.message}`)}`).join("\n")}`,
    );
  if (b.entries.some((e) => e.link)) throw new TrellisError("INVALID_MESSAGE", "the bundle holds links; unpack and pack it instead");
  const ig = ignore().add(DEFAULT_IGNORES);
  const dropped = b.entries.filter((e) => ig.ignores(e.name)).map((e) => e.name);
  const kept = b.entries.filter((e) => !ig.ignores(e.name));
  return { bytes: writeZip(kept.map((e) => ({ name: e.name, data: e.data, mode: e.mode }))), dropped };
}

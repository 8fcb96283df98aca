/**
 * Which packages under node_modules only devDependencies need. A server folder is usually packed as it stands after
 * `npm install`, the compiler, linters and test tools beside what runs — often most of its size (typescript alone
 * is over 20 MB). What the server needs at run time is what its dependencies, optionalDependencies and
 * peerDependencies reach, followed the way Node resolves them (each package's own node_modules, then its parents'),
 * package.json by package.json — no lockfile is trusted, since a folder copied, or installed by another tool, may
 * carry a stale one or none. A package reached from devDependencies and not from those is dev-only. Packages reached
 * from neither (extraneous, installed by hand) are kept: nothing says the server does not load them. Neither is a
 * package that holds the entry point or a file the command names (`${__dirname}/node_modules/...`), whatever
 * package.json says about it.
 */
import { lstat, readFile, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

async function packageJson(dir: string): Promise<PackageJson | undefined> {
  try {
    const v = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

/** runtimeNames: what a package needs when it runs (an installed package's devDependencies are never installed). */
const runtimeNames = (p: PackageJson | undefined) =>
  [p?.dependencies, p?.optionalDependencies, p?.peerDependencies].flatMap((d) => (d && typeof d === "object" ? Object.keys(d) : []));

/** resolvePackage finds `name` as Node would from the package at `from` (a real path), without leaving `root`. */
async function resolvePackage(root: string, from: string, name: string): Promise<string | undefined> {
  for (let d = from; ; d = dirname(d)) {
    if (basename(d) !== "node_modules") {
      const real = await realpath(join(d, "node_modules", name)).catch(() => undefined);
      if (
        real &&
        (await stat(real).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        return real;
    }
    if (d === root || !d.startsWith(`${root}${sep}`)) return undefined;
  }
}

/** reach: every package folder (real paths) the given starting points lead to, through runtime dependencies. */
async function reach(root: string, starts: Array<{ from: string; name: string } | { dir: string }>): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length) {
    const next = queue.pop()!;
    const dir = "dir" in next ? next.dir : await resolvePackage(root, next.from, next.name);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    for (const name of runtimeNames(await packageJson(dir))) queue.push({ from: dir, name });
  }
  return seen;
}

/** packageHolding: the package folder under node_modules that holds `path` (real), if any. */
function packageHolding(path: string): string | undefined {
  const parts = path.split(sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const scoped = parts[at + 1]!.startsWith("@");
  if (scoped && at + 2 >= parts.length) return undefined;
  return parts.slice(0, at + (scoped ? 3 : 2)).join(sep);
}

/**
 * devOnlyPackages lists the package folders (real paths, outermost only) that only devDependencies need, in the
 * server folder `root` (a real path). `needed` are paths relative to it that must stay whatever package.json says
 * (the entry point, files the command names). Without a package.json or node_modules, nothing is dev-only.
 */
export async function devOnlyPackages(root: string, needed: string[] = []): Promise<string[]> {
  const pkg = await packageJson(root);
  const dev = Object.keys(pkg?.devDependencies ?? {});
  if (
    !pkg ||
    dev.length === 0 ||
    !(await stat(join(root, "node_modules")).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return [];
  const holders: Array<{ dir: string }> = [];
  for (const p of needed) {
    const real = await realpath(join(root, p)).catch(() => undefined);
    const holder = real && packageHolding(real);
    if (holder) holders.push({ dir: holder });
  }
  const runtime = await reach(root, [...runtimeNames(pkg).map((name) => ({ from: root, name })), ...holders]);
  const devOnly = [
    ...(await reach(
      root,
      dev.map((name) => ({ from: root, name })),
    )),
  ]
    .filter((d) => !runtime.has(d))
    .sort();
  // A dev-only package nested in another is left out with it; a runtime one nested in a dev-only one cannot be
  // (Node finds it only from there), but should it be, it is kept and so is its parent.
  const kept = [...runtime];
  return devOnly.filter(
    (d, i) => !devOnly.slice(0, i).some((o) => d.startsWith(`${o}${sep}`)) && !kept.some((r) => r.startsWith(`${d}${sep}`)),
  );
}

/** du: the files and bytes under a folder, links not followed. */
export async function du(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await du(path);
      files += sub.files;
      bytes += sub.bytes;
    } else if (e.isFile()) {
      files++;
      bytes += (await lstat(path)).size;
    }
  }
  return { files, bytes };
}

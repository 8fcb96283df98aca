/**
 * Which file changes restart the server under `trellis dev`. Watching a whole folder restarts a server forever once
 * it writes there itself (a log file, a SQLite database), so by default it leaves out what no one edits by hand:
 * what `.gitignore` files say (the folder's and its parents' up to the repository's root), dependency and output
 * folders, dot folders, logs and databases. `--ignore` adds patterns, `--watch` names the only ones that count, and a
 * file that changes every time the server starts is dropped with a note, since that is the server writing it.
 */
import { type FSWatcher, existsSync, readFileSync, watch } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import ignore, { type Ignore } from "ignore";

/** Left out by default, as .gitignore patterns: dependencies, build output, dot folders, and files servers write. */
export const DEFAULT_IGNORES = [
  "node_modules/",
  "dist/",
  "build/",
  "out/",
  "coverage/",
  ".*",
  "__pycache__/",
  "*.log",
  "*.db",
  "*.db-*",
  "*.sqlite",
  "*.sqlite-*",
  "*.tmp",
  "*.swp",
  "*~",
];

export interface WatchOptions {
  /** More .gitignore-style patterns to leave out (`--ignore`). */
  ignore?: string[];
  /** When set, only paths matching these .gitignore-style patterns restart the server (`--watch`). */
  watch?: string[];
}

/** The .gitignore files that apply to `root`: its own and its parents' up to the repository root (the folder holding .git). */
function gitignores(root: string): { dir: string; rules: Ignore }[] {
  const out: { dir: string; rules: Ignore }[] = [];
  for (let dir = root; ; dir = dirname(dir)) {
    const file = join(dir, ".gitignore");
    if (existsSync(file)) {
      try {
        out.push({ dir, rules: ignore().add(readFileSync(file, "utf8")) });
      } catch {
        // unreadable: as if absent
      }
    }
    if (existsSync(join(dir, ".git")) || dirname(dir) === dir) return out;
  }
}

/**
 * restartsOn builds the test a changed path (relative to `root`) must pass to restart the server. Read once: a
 * change to a .gitignore takes effect at the next `trellis dev`.
 */
export function restartsOn(root: string, options: WatchOptions = {}): (path: string) => boolean {
  const defaults = ignore()
    .add(DEFAULT_IGNORES)
    .add(options.ignore ?? []);
  const only = options.watch?.length ? ignore().add(options.watch) : undefined;
  const git = gitignores(root);
  return (path) => {
    const rel = path.split(sep).join("/");
    if (rel === "" || rel.startsWith("../")) return false;
    if (only) return only.ignores(rel);
    if (defaults.ignores(rel)) return false;
    for (const g of git) {
      const own = relative(g.dir, join(root, rel)).split(sep).join("/");
      if (own && !own.startsWith("../") && g.rules.ignores(own)) return false;
    }
    return true;
  };
}

/** After a start, a change this soon to the same file, this many starts in a row, means the server writes that file. */
const SELF_WRITE_MS = 2000;
const SELF_WRITE_STARTS = 3;

export interface FolderWatch {
  /** Tells the watch the server (re)started now: changes soon after it are the server's own. */
  started(): void;
  close(): void;
}

/**
 * watchFolder calls `onChange` (debounced) with the path of a change that `restarts` accepts. A path that changes
 * within two seconds of each of three starts in a row is dropped with `note`: the server writes it. `keep` (the
 * server's own file, relative to `root`) is never dropped, however quickly a person saves it again.
 */
export function watchFolder(
  root: string,
  restarts: (path: string) => boolean,
  onChange: (path: string) => void,
  note: (text: string) => void,
  keep?: string,
): FolderWatch {
  const dropped = new Set<string>();
  const streak = new Map<string, { start: number; count: number }>();
  let startedAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = (_event: string, name: string | Buffer | null) => {
    if (name === null) return;
    const path = String(name);
    if (dropped.has(path) || !restarts(path)) return;
    if (path !== keep && Date.now() - startedAt < SELF_WRITE_MS) {
      // Counted once per start: one write may raise several events.
      const s = streak.get(path);
      const n = s?.start === startedAt ? s.count : (s?.count ?? 0) + 1;
      streak.set(path, { start: startedAt, count: n });
      if (n >= SELF_WRITE_STARTS) {
        dropped.add(path);
        note(
          `${path} changed right after each of the last ${n} starts, so the server writes it: no longer watched (add it to .gitignore or pass --ignore to say so)`,
        );
        return;
      }
    } else streak.delete(path);
    clearTimeout(timer);
    timer = setTimeout(() => onChange(path), 150);
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(root, { recursive: true }, changed);
  } catch {
    watcher = watch(root, changed); // platforms without recursive watching
  }
  watcher.on("error", (err) => note(`watching ${root} failed (${err.message}); restart trellis dev`));
  return {
    started: () => {
      startedAt = Date.now();
    },
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

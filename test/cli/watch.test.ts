/**
 * watch.ts: which changes restart a server under `trellis dev` (.gitignore files up to the repository root, the
 * defaults, --ignore, --watch), and a file the server itself writes at each start is dropped after three starts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restartsOn, watchFolder } from "../../src/cli/watch.js";
import { waitFor } from "../helpers.js";

function repo(): { root: string; app: string } {
  const root = mkdtempSync(join(tmpdir(), "trellis-watch-"));
  mkdirSync(join(root, ".git"));
  writeFileSync(join(root, ".gitignore"), "secrets.json\n/app/generated/\n");
  const app = join(root, "app");
  mkdirSync(app);
  writeFileSync(join(app, ".gitignore"), "*.cache\n");
  return { root, app };
}

test("restartsOn: sources restart; .gitignore (the folder's and the repository's), output folders, logs and databases do not", () => {
  const { root, app } = repo();
  try {
    const restarts = restartsOn(app);
    const cases: [string, boolean][] = [
      ["server.js", true],
      ["src/tools.ts", true],
      ["package.json", true],
      ["server.log", false],
      ["logs/today.log", false],
      ["data.db", false],
      ["data.db-wal", false],
      ["store.sqlite", false],
      ["node_modules/x/index.js", false],
      ["dist/server.js", false],
      ["build/out.js", false],
      ["coverage/lcov.info", false],
      [".trellis/trellis.db", false],
      [".env", false],
      ["notes.txt~", false],
      ["index.cache", false], // the folder's own .gitignore
      ["secrets.json", false], // the repository's .gitignore
      ["generated/a.js", false], // anchored in the repository's .gitignore (/app/generated/)
      ["../outside.js", false],
    ];
    assert.deepEqual(
      cases.filter(([p, want]) => restarts(p) !== want).map(([p]) => p),
      [],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("restartsOn: --ignore adds patterns; --watch names the only paths that count", () => {
  const { root, app } = repo();
  try {
    const ignoring = restartsOn(app, { ignore: ["fixtures/", "*.md"] });
    assert.equal(ignoring("fixtures/a.json"), false);
    assert.equal(ignoring("README.md"), false);
    assert.equal(ignoring("server.js"), true);
    const only = restartsOn(app, { watch: ["src/**", "server.ts"] });
    assert.equal(only("src/a/b.ts"), true);
    assert.equal(only("server.ts"), true);
    assert.equal(only("other.ts"), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("watchFolder: a file written right after each start is dropped after three starts, with a note; the server file never is", async () => {
  const { root, app } = repo();
  const changes: string[] = [];
  const notes: string[] = [];
  const w = watchFolder(
    app,
    restartsOn(app),
    (p) => changes.push(p),
    (t) => notes.push(t),
    "server.js",
  );
  try {
    // The server writes state.json as it starts, each time: three restarts, then it is left alone.
    for (let i = 1; i <= 3; i++) {
      w.started();
      writeFileSync(join(app, "state.json"), String(i));
      if (i < 3) await waitFor(() => changes.length === i, 10_000);
    }
    await waitFor(() => notes.length === 1, 10_000);
    assert.match(notes[0]!, /^state\.json changed right after each of the last 3 starts, so the server writes it: no longer watched/);
    writeFileSync(join(app, "state.json"), "later");
    // A person saving the server file quickly after each start is not mistaken for the server.
    for (let i = 0; i < 4; i++) {
      w.started();
      const before = changes.length;
      writeFileSync(join(app, "server.js"), `// ${i}`);
      await waitFor(() => changes.length > before, 10_000);
    }
    assert.equal(changes.filter((c) => c === "state.json").length, 2);
    assert.equal(changes.filter((c) => c === "server.js").length, 4);
    assert.equal(notes.length, 1);
  } finally {
    w.close();
    rmSync(root, { recursive: true, force: true });
  }
});

/** The `trellis` command: help lists subcommands with examples; bundle pack / validate / info / unpack with exit codes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { trellis } from "../fixtures/trellis.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));

test("help lists every subcommand, each with an example", async () => {
  const top = await trellis("--help");
  assert.equal(top.code, 0);
  for (const c of ["bundle", "install", "list", "call", "read", "prompt", "tasks", "auth", "inspect", "dev"])
    assert.match(top.out, new RegExp(`^  ${c} `, "m"), c);
  assert.match(top.out, /Examples:\n {2}trellis list http:\/\/127\.0\.0\.1:3000\/mcp tools/);
  assert.match(top.out, /trellis bundle pack/);
  assert.match(top.out, /Exit codes: 0 done; 1 bad usage[\s\S]*5 the server\nneeds a sign-in/);
  for (const sub of [["list"], ["call"], ["read"], ["prompt"], ["tasks", "watch"], ["auth", "login"], ["inspect"], ["dev"]]) {
    const h = await trellis(...sub, "--help");
    assert.equal(h.code, 0, sub.join(" "));
    assert.match(h.out, /Examples?:\n {2}trellis /, sub.join(" "));
  }
  for (const sub of ["pack", "validate", "info", "unpack"]) {
    const h = await trellis("bundle", sub, "--help");
    assert.equal(h.code, 0, sub);
    assert.match(h.out, new RegExp(`Example:\\n {2}trellis bundle ${sub}`), sub);
  }
});

test("bundle pack, validate, info, unpack: 0 on success; non-zero with the reason otherwise", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-cli-"));
  try {
    const file = join(dir, "echo.mcpb");
    assert.equal((await trellis("bundle", "pack", FIXTURE, file)).code, 0);
    const valid = await trellis("bundle", "validate", file);
    assert.equal(valid.code, 0, valid.err);
    assert.match(valid.out, /valid manifest v0\.4 for echo-bundle/);
    const info = await trellis("bundle", "info", file);
    assert.match(info.out, /runs: node \$\{__dirname\}\/server\/index\.js/);
    assert.match(info.out, /environment: ECHO_PREFIX/);
    assert.equal((await trellis("bundle", "unpack", file, join(dir, "u"))).code, 0);
    assert.ok(existsSync(join(dir, "u/server/index.js")));
    cpSync(FIXTURE, join(dir, "bad"), { recursive: true });
    writeFileSync(
      join(dir, "bad/manifest.json"),
      JSON.stringify({
        manifest_version: "0.4",
        name: "x",
        version: "1",
        description: "d",
        author: { name: "a" },
        server: { type: "node" },
      }),
    );
    const invalid = await trellis("bundle", "validate", join(dir, "bad"));
    assert.equal(invalid.code, 1);
    assert.match(invalid.err, /manifest\.json#\/server\/entry_point: missing: add "entry_point"/);
    const missing = await trellis("bundle", "info", join(dir, "nope.mcpb"));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /ENOENT|no such file/);
    assert.notEqual((await trellis("bundle", "frobnicate")).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

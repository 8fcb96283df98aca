/** config.ts: where the user's configuration lives, and files written private from their first byte. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, configDir, credentialsFile, EXIT, writePrivate } from "../../src/cli/config.js";

test("writePrivate: 0600 in a 0700 folder, made when missing; an existing file replaced whole and made private", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-config-"));
  try {
    const file = join(dir, "nested", "secret.json");
    writePrivate(file, "{}");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "nested")).mode & 0o777, 0o700);
    writeFileSync(file, "old", { mode: 0o644 });
    writePrivate(file, "new");
    assert.equal(readFileSync(file, "utf8"), "new");
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("configDir follows TRELLIS_CONFIG_DIR; CliError carries its exit code", () => {
  const was = process.env.TRELLIS_CONFIG_DIR;
  process.env.TRELLIS_CONFIG_DIR = "/somewhere/trellis";
  try {
    assert.equal(configDir(), "/somewhere/trellis");
    assert.equal(credentialsFile(), "/somewhere/trellis/credentials.json");
  } finally {
    if (was === undefined) delete process.env.TRELLIS_CONFIG_DIR;
    else process.env.TRELLIS_CONFIG_DIR = was;
  }
  assert.equal(new CliError("x", EXIT.auth).exitCode, 5);
  assert.equal(new CliError("x").exitCode, 1);
});

/** installed.ts: the servers `trellis install --client trellis` wrote, read by name (their use: target.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installedServers } from "../../src/cli/installed.js";

test("installedServers: commands with their arguments and environment, URLs; a malformed file says so", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-installed-"));
  try {
    const file = join(dir, "servers.json");
    writeFileSync(
      file,
      JSON.stringify({
        servers: { a: { command: "node", args: ["s.js", 3], env: { K: "v", N: 1 } }, b: { url: "http://127.0.0.1:1/mcp" }, c: {} },
      }),
    );
    const got = installedServers(file);
    assert.deepEqual(got.get("a"), { command: ["node", "s.js"], env: { K: "v" } });
    assert.equal((got.get("b") as { url: URL }).url.href, "http://127.0.0.1:1/mcp");
    assert.equal(got.has("c"), false);
    assert.equal(installedServers(join(dir, "missing.json")).size, 0);
    writeFileSync(file, "{");
    assert.throws(() => installedServers(file), /is not JSON .*; fix or remove it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

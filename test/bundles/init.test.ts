// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the manifest substitutions are literally ${...}
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { strToU8, zipSync } from "fflate";
import { checkManifest, cleanBundle, initManifest, readBundle } from "../../src/bundles/index.js";
import { run } from "../../src/cli/main.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));

test("init writes a valid manifest whose tools are asked of the server itself; it does not overwrite one without --force", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-init-"));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    rmSync(join(dir, "manifest.json"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ type: "module", name: "@acme/echo", version: "2.0.0", description: "Echo", author: "Acme" }),
    );
    const m = await initManifest(dir, { entry: "server/index.js" });
    assert.deepEqual(checkManifest(m), []);
    assert.deepEqual([m.name, m.version, m.author.name, m.tools, m.tools_generated], ["echo", "2.0.0", "Acme", [{ name: "echo" }], true]);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).server.mcp_config.args, ["${__dirname}/server/index.js"]);
    await assert.rejects(initManifest(dir), /exists; pass --force/);
    let out = "";
    assert.equal(
      await run(["bundle", "init", dir, "--force", "--entry", "server/index.js"], { out: (s) => void (out += s), err: () => {} }),
      0,
    );
    assert.match(out, /1 tools and 0 prompts asked of the server/);
    await assert.rejects(initManifest(dir, { force: true, entry: "missing.js", timeoutMs: 5000 }), /could not start the server/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("clean drops what a bundle should not carry and keeps the rest", () => {
  const manifest = readFileSync(join(FIXTURE, "manifest.json"));
  const zip = zipSync({
    "manifest.json": new Uint8Array(manifest),
    "server/index.js": strToU8("x"),
    ".DS_Store": strToU8("junk"),
    ".git/config": strToU8("[core]"),
    ".env": strToU8("SECRET=1"),
    "old.mcpb": strToU8("zip"),
  });
  const { bytes, dropped } = cleanBundle(zip);
  assert.deepEqual(dropped.sort(), [".DS_Store", ".env", ".git/config", "old.mcpb"]);
  assert.deepEqual(
    readBundle(bytes)
      .entries.map((e) => e.name)
      .sort(),
    ["manifest.json", "server/index.js"],
  );
});

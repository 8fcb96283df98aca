/**
 * Bundles: pack, read and unpack, interop with @anthropic-ai/mcpb both ways, and hostile archives — each refused
 * with a message that says what is wrong, nothing written outside the target.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync, strToU8 } from "fflate";
import { packBundle, readBundle, unpackBundle, checkManifest, formatProblems, joinSignature } from "../../src/bundles/index.js";
import { bundleFileName } from "../../src/bundles/bundle.js";
import { McpClient } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";

const mcpbCli = fileURLToPath(new URL("../../../node_modules/@anthropic-ai/mcpb/dist/cli/cli.js", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8"));

function mcpb(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [mcpbCli, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "trellis-bundle-"));
}

test("pack honours .mcpbignore and keeps the manifest; read gives back every file; unpack writes them", async () => {
  const { bytes, files } = await packBundle(FIXTURE);
  assert.deepEqual(files.sort(), ["manifest.json", "package.json", "server/index.js"]);
  const b = readBundle(bytes);
  assert.deepEqual(b.problems, []);
  assert.equal(b.manifest.name, "echo-bundle");
  assert.equal(b.signature.present, false);
  const dir = tmp();
  try {
    await unpackBundle(bytes, join(dir, "out"));
    assert.equal(readFileSync(join(dir, "out/server/index.js"), "utf8"), readFileSync(join(FIXTURE, "server/index.js"), "utf8"));
    await assert.rejects(unpackBundle(bytes, join(dir, "out")), /not empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("interop: a bundle packed by Trellis is validated, shown and unpacked by mcpb", async () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, "t.mcpb"), (await packBundle(FIXTURE)).bytes);
    const info = await mcpb(["info", "t.mcpb"], dir);
    assert.equal(info.code, 0, info.out);
    assert.match(info.out, /File: t\.mcpb[\s\S]*Not signed/);
    const unpacked = await mcpb(["unpack", "t.mcpb", "u"], dir);
    assert.equal(unpacked.code, 0, unpacked.out);
    assert.ok(existsSync(join(dir, "u/server/index.js")));
    const valid = await mcpb(["validate", join(dir, "u/manifest.json")], dir);
    assert.equal(valid.code, 0, valid.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("interop: a bundle packed by mcpb is read, validated and unpacked by Trellis", async () => {
  const dir = tmp();
  try {
    const packed = await mcpb(["pack", FIXTURE, join(dir, "m.mcpb")], dir);
    assert.equal(packed.code, 0, packed.out);
    const bytes = new Uint8Array(readFileSync(join(dir, "m.mcpb")));
    const b = readBundle(bytes);
    assert.deepEqual(b.problems, []);
    assert.ok(b.entries.some((e) => e.name === "server/index.js"));
    await unpackBundle(bytes, join(dir, "u"));
    assert.ok(existsSync(join(dir, "u/manifest.json")));
    // ... and run by Trellis: `trellis run` serves it over stdio.
    const client = new McpClient({ name: "host", version: "1" });
    const cli = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, "run", join(dir, "m.mcpb"), "--yes"] }));
    assert.equal(((await client.callTool("echo", { text: "from mcpb" })).content[0] as { text: string }).text, "echo: from mcpb");
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A ZIP built without Trellis's own name checks, as an attacker would. */
function hostile(files: Record<string, Uint8Array | [Uint8Array, object]>, withManifest = true): Uint8Array {
  return zipSync({
    ...(withManifest ? { "manifest.json": strToU8(JSON.stringify(MANIFEST)), "server/index.js": strToU8("x") } : {}),
    ...files,
  } as never);
}

test("hostile bundles are refused before anything is written, each with the reason", async () => {
  const link = (target: string) => [strToU8(target), { os: 3, attrs: (0o120777 << 16) >>> 0 }] as [Uint8Array, object];
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["path traversal", hostile({ "../evil.txt": strToU8("x") }), /"\.\." segment/],
    ["nested traversal", hostile({ "server/../../evil.txt": strToU8("x") }), /"\.\." segment/],
    ["an absolute path", hostile({ "/etc/evil": strToU8("x") }), /absolute path/],
    ["a drive letter", hostile({ "C:/evil": strToU8("x") }), /drive letter/],
    ["a backslash", hostile({ "server\\..\\..\\evil": strToU8("x") }), /backslash/],
    ["a duplicate by case", hostile({ "server/INDEX.js": strToU8("y") }), /appears twice/],
    ["a link out of the bundle", hostile({ "server/passwd": link("../../etc/passwd") }), /outside the bundle/],
    ["an absolute link", hostile({ "server/passwd": link("/etc/passwd") }), /outside the bundle/],
    ["a ZIP bomb", hostile({ "zeros.bin": new Uint8Array(64 * 1024 * 1024) }), /ZIP bomb/],
    ["no manifest", hostile({ "a.txt": strToU8("x") }, false), /no manifest\.json/],
    ["not a ZIP", strToU8("hello, not a zip at all".repeat(10)), /not a ZIP/],
  ];
  for (const [name, bytes, why] of cases) {
    const dir = tmp();
    try {
      await assert.rejects(unpackBundle(bytes, join(dir, "out")), why, name);
      assert.ok(!existsSync(join(dir, "evil.txt")) && !existsSync(join(dir, "out", "server", "passwd")), name);
      assert.deepEqual(existsSync(join(dir, "out")) ? readdirSync(join(dir, "out")) : [], [], `${name}: nothing written`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Links through links: "p -> ." then "p/p/p/esc -> ../../.." would really point three levels up.
  const chain = hostile({ p: link("."), "p/p/p/esc": link("../../..") });
  await assert.rejects(async () => readBundle(chain), /lies under the link p|links to links/);
  const toLink = hostile({ "server/a": link("index.js"), "server/b": link("a") });
  await assert.rejects(async () => readBundle(toLink), /points at the link server\/a/);
  // Names a file system would merge, and a local header that names another file than the central directory.
  await assert.rejects(async () => readBundle(hostile({ "./manifest.json": strToU8("{}") })), /empty or "\." segment/);
  const swapped = hostile({ "aaaa.txt": strToU8("x") });
  const at = Buffer.from(swapped).indexOf("aaaa.txt");
  swapped.set(strToU8("bbbb.txt"), at);
  await assert.rejects(async () => readBundle(swapped), /local header names another file/);
  // A link that stays inside the bundle is kept as a link, written after the files.
  const inside = hostile({ "server/main.js": [strToU8("index.js"), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
  assert.ok(readBundle(inside).entries.find((e) => e.name === "server/main.js")?.link);
});

test("a manifest that fails the schema is reported with JSON pointers and the fix", () => {
  const problems = checkManifest({ ...MANIFEST, server: { ...MANIFEST.server, type: "ruby" }, author: undefined, extra_field: 1 });
  const byPointer = Object.fromEntries(problems.map((p) => [p.pointer, p.message]));
  assert.match(byPointer["/server/type"]!, /must be one of "python", "node", "binary", "uv"/);
  assert.match(byPointer["/author"]!, /missing: add "author"/);
  assert.match(byPointer["/extra_field"]!, /not a field of this manifest version: remove it/);
  assert.match(checkManifest({ ...MANIFEST, manifest_version: "9.9" })[0]!.message, /not one Trellis knows \(0\.3, 0\.4\)/);
  assert.match(checkManifest({ name: "x" })[0]!.message, /add "manifest_version": "0.4"/);
  assert.match(checkManifest({ ...MANIFEST, server: { ...MANIFEST.server, entry_point: "../x.js" } })[0]!.message, /inside the bundle/);
  assert.deepEqual(checkManifest({ ...MANIFEST, manifest_version: undefined, dxt_version: "0.3" }), [], "v0.3 through dxt_version");
});

test("a signature block is found by its exact length; a broken one is reported as malformed, not guessed at", async () => {
  const { bytes } = await packBundle(FIXTURE);
  const signed = joinSignature(bytes, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
  const b = readBundle(signed);
  assert.equal(b.signature.present, true);
  assert.deepEqual([...b.signature.pkcs7!], [0x30, 0x03, 0x02, 0x01, 0x01]);
  assert.equal(b.signature.content.length, bytes.length);
  const broken = new Uint8Array([...bytes, ...strToU8("MCPB_SIG_V1"), 0xff, 0xff, 0, 0, 1, 2, ...strToU8("MCPB_SIG_END")]);
  assert.match(readBundle(broken).signature.malformed!, /no well-formed MCPB_SIG_V1 block/);
});

test("the default bundle file name is a plain file name, whatever the manifest's name holds", () => {
  assert.equal(bundleFileName({ name: "echo-bundle", version: "1.0.0" }), "echo-bundle-1.0.0.mcpb");
  assert.equal(bundleFileName({ name: "serveur-café_日本", version: "2.1.0-beta.1" }), "serveur-café_日本-2.1.0-beta.1.mcpb");
  const cases: Array<[unknown, unknown, string]> = [
    ["../../etc/passwd", "1", "etc_passwd-1.mcpb"],
    ["/abs/path", "1", "abs_path-1.mcpb"],
    ["a\\b", "1", "a_b-1.mcpb"],
    [".hidden", "1", "hidden-1.mcpb"],
    ["-rf", "1", "rf-1.mcpb"],
    ["evil\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007x", "1\u009b2J", "evil_2J_52_c_cm0gLXJmIH4_x-1_2J.mcpb"],
    ["in\u202evoice\u200b.exe", "1", "in_voice_.exe-1.mcpb"],
    ["", "", "bundle-0.mcpb"],
    [undefined, undefined, "bundle-0.mcpb"],
    ["...", "..", "bundle-0.mcpb"],
    ["a\uD800b", "1", "a_b-1.mcpb"],
  ];
  for (const [name, version, file] of cases) assert.equal(bundleFileName({ name, version }), file, JSON.stringify(name));
  assert.equal(
    Array.from(bundleFileName({ name: "𠀀".repeat(300), version: "1" })).length,
    100 + "-1.mcpb".length,
    "astral letters are not cut in half",
  );
});

test("a manifest problem is one line as printed, whatever keys the manifest holds", () => {
  const problems = checkManifest({ ...MANIFEST, "x\n#/author: missing\u001b[2J": 1 });
  const text = formatProblems(problems);
  assert.equal(text.split("\n").length, problems.length);
  assert.match(text, /x\\u\{a\}#\/author: missing\\u\{1b\}\[2J/);
  assert.ok(![...text].some((ch) => ch !== "\n" && /\p{Cc}/u.test(ch)));
});

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an empty project, a file that imports
 * every entry point (and uses the root's McpServer, McpClient and MemoryTransport) type-checked with `strict` and
 * `skipLibCheck: false` — every published declaration checked, not only the ones the file touches — then run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

test("the packed package installs in an empty project, type-checks strictly (skipLibCheck off) and runs", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-consumer-"));
  try {
    const packed = JSON.parse(execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" })) as {
      filename: string;
    }[];
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // From npm's cache where it can (CI has just installed the same dependencies); scripts off: nothing here needs SQLite.
    execFileSync(npm, ["install", join(dir, packed[0]!.filename), "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: dir,
      stdio: "ignore",
    });
    const subpaths = Object.keys(pkg.exports).map((k) => (k === "." ? "trellis-mcp" : `trellis-mcp/${k.slice(2)}`));
    writeFileSync(
      join(dir, "index.ts"),
      [
        ...subpaths.map((s, i) => `import * as entry${i} from "${s}";`),
        `import { McpClient, McpServer, MemoryTransport } from "trellis-mcp";`,
        `const entries = [${subpaths.map((_, i) => `entry${i}`).join(", ")}].filter((m) => Object.keys(m).length > 0).length;`,
        `const server = new McpServer({ name: "consumer", version: "1.0.0" });`,
        // As the README writes it.
        `server.registerTool("add", { description: "Adds", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] } }, async ({ a, b }, ctx) => String(Number(a) + Number(b)) + (ctx.signal.aborted ? "!" : ""));`,
        `const [serverSide, clientSide] = MemoryTransport.createPair();`,
        `server.connect(serverSide);`,
        `const client = new McpClient({ name: "consumer-client", version: "1.0.0" });`,
        `await client.connect(clientSide);`,
        `const result = await client.callTool("add", { a: 2, b: 3 });`,
        `const first = result.content[0];`,
        `console.log(JSON.stringify({ entries, text: first?.type === "text" ? first.text : undefined }));`,
        `await client.close();`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          outDir: "out",
          types: ["node"],
          typeRoots: [join(root, "node_modules/@types")],
        },
        files: ["index.ts"],
      }),
    );
    try {
      execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], { cwd: dir, encoding: "utf8" });
    } catch (err) {
      assert.fail(`the published declarations do not type-check:\n${(err as { stdout?: string }).stdout}`);
    }
    const out = JSON.parse(execFileSync(process.execPath, [join(dir, "out/index.js")], { cwd: dir, encoding: "utf8" })) as {
      entries: number;
      text?: string;
    };
    assert.deepEqual(out, { entries: subpaths.length, text: "5" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

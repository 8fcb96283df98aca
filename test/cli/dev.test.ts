/**
 * `trellis dev`: a server file runs over stdio in the dashboard and is started again when it changes; the page's
 * API shows the new server. TypeScript files need Node 22.6+ (type stripping), which the command says.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverCommand } from "../../src/cli/dev.js";

const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
const SERVER_MODULE = fileURLToPath(new URL("../../bundle/server.js", import.meta.url));
const STDIO_MODULE = fileURLToPath(new URL("../../bundle/stdio.js", import.meta.url));

const serverFile = (tool: string) => `
import { McpServer } from ${JSON.stringify(SERVER_MODULE)};
import { StdioServerTransport } from ${JSON.stringify(STDIO_MODULE)};
const s = new McpServer({ name: "dev-fixture", version: "1" });
s.registerTool(${JSON.stringify(tool)}, {}, () => "hi");
s.connect(new StdioServerTransport());
`;

test("trellis dev: the server runs in the dashboard, and a change to its file restarts it", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-dev-"));
  const file = join(dir, "server.mjs");
  writeFileSync(file, serverFile("first_tool"));
  const child = spawn(process.execPath, [CLI, "dev", file], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (c) => reject(new Error(`trellis dev exited ${c}`)));
    });
    const u = new URL(url);
    const api = async (path: string, body: unknown) => {
      const r = await fetch(`${u.origin}${path}?token=${u.searchParams.get("token")}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (await r.json()) as Record<string, unknown>;
    };
    const tools = async (): Promise<string[]> => {
      const conns = (await (await fetch(`${u.origin}/api/connections?token=${u.searchParams.get("token")}`)).json()) as { id: string }[];
      if (!conns[0]) return [];
      const r = await api("/api/request", { conn: conns[0].id, method: "tools/list" });
      return ((r.result as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((t) => t.name);
    };
    const until = async (want: string) => {
      for (const end = Date.now() + 20_000; Date.now() < end; ) {
        if ((await tools().catch((): string[] => [])).includes(want)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`the dashboard never showed ${want}`);
    };
    await until("first_tool");
    writeFileSync(file, serverFile("second_tool"));
    await until("second_tool");
  } finally {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serverCommand: .js runs as is; .ts needs Node 22.6+ and says so", () => {
  assert.deepEqual(serverCommand("/x/s.js", ["--a"]), [process.execPath, "/x/s.js", "--a"]);
  assert.throws(() => serverCommand("/x/s.ts", [], "20.20.2"), /needs Node 22\.6 or newer/);
  assert.deepEqual(serverCommand("/x/s.ts", [], "24.1.0").slice(1, 3), ["--experimental-strip-types", "--no-warnings"]);
});

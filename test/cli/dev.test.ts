/**
 * `trellis dev`: a server file runs in the dashboard and is started again when it changes; the page's API shows the
 * new server. A stdio server and an HTTP one (found by the port it listens on, or named with --http) both run; a
 * server that fails to start shows its stderr; a log file the server writes beside itself restarts nothing.
 * TypeScript files need Node 22.6+ (type stripping), which the command says.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DevRunner, serverCommand } from "../../src/cli/dev.js";
import { childrenOf } from "../../src/cli/listening.js";
import type { Dashboard } from "../../src/dashboard/dashboard.js";
import { freePort, waitFor } from "../helpers.js";

const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
const SERVER_MODULE = fileURLToPath(new URL("../../bundle/server.js", import.meta.url));
const STDIO_MODULE = fileURLToPath(new URL("../../bundle/stdio.js", import.meta.url));
const HTTP_MODULE = fileURLToPath(new URL("../../bundle/http.js", import.meta.url));

/** The README's ten-line server: Streamable HTTP on 127.0.0.1, printing nothing. */
const httpServerFile = (tool: string, port = 0) => `
import { McpServer } from ${JSON.stringify(SERVER_MODULE)};
import { serveHttp } from ${JSON.stringify(HTTP_MODULE)};
const server = new McpServer({ name: "weather", version: "1.0.0" });
server.registerTool(${JSON.stringify(tool)}, { description: "Forecast" }, async () => "Sunny");
await serveHttp(server, { port: ${port} });
`;

/** Runs \`trellis dev\` on `file`; `tools()` lists what the dashboard's first connection shows, `stderr` what dev said. */
async function runDev(file: string, extra: string[] = []) {
  const child = spawn(process.execPath, [CLI, "dev", file, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.once("exit", (c) => reject(new Error(`trellis dev exited ${c}: ${stderr}`)));
  });
  const u = new URL(url);
  const token = u.searchParams.get("token");
  const tools = async (): Promise<string[]> => {
    const conns = (await (await fetch(`${u.origin}/api/connections?token=${token}`)).json()) as { id: string }[];
    if (!conns[0]) return [];
    const r = (await (
      await fetch(`${u.origin}/api/request?token=${token}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conn: conns[0].id, method: "tools/list" }),
      })
    ).json()) as { result?: { tools?: { name: string }[] } };
    return (r.result?.tools ?? []).map((t) => t.name);
  };
  const until = async (want: string) => {
    for (const end = Date.now() + 30_000; Date.now() < end; ) {
      if ((await tools().catch((): string[] => [])).includes(want)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`the dashboard never showed ${want}; dev said:\n${stderr}`);
  };
  const said = async (re: RegExp) => {
    for (const end = Date.now() + 30_000; Date.now() < end && !re.test(stderr); ) await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, re);
  };
  return { child, tools, until, said, stderr: () => stderr };
}

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

test("trellis dev on the README's HTTP server: found by the port it listens on, driven over HTTP, restarted on change", {
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-dev-"));
  const file = join(dir, "http-server.mjs");
  writeFileSync(file, httpServerFile("forecast"));
  const dev = await runDev(file);
  try {
    await dev.until("forecast");
    await dev.said(/answers nothing on stdio and listens on port \d+: driving it over HTTP from now on/);
    await dev.said(/is running \(HTTP, http:\/\/127\.0\.0\.1:\d+\/mcp\)/);
    writeFileSync(file, httpServerFile("forecast_v2"));
    await dev.until("forecast_v2");
  } finally {
    dev.child.kill("SIGTERM");
    await new Promise((r) => dev.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("trellis dev --http <url>: the server is started and driven at that URL", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-dev-"));
  const file = join(dir, "http-server.mjs");
  const port = await freePort();
  writeFileSync(file, httpServerFile("named", port));
  const dev = await runDev(file, ["--http", `http://127.0.0.1:${port}/mcp`]);
  try {
    await dev.until("named");
    assert.doesNotMatch(dev.stderr(), /stdio/);
  } finally {
    dev.child.kill("SIGTERM");
    await new Promise((r) => dev.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("trellis dev: a server that fails to start shows its stderr; a log file it writes beside itself restarts nothing", {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-dev-"));
  const file = join(dir, "server.mjs");
  const logging = (tool: string) =>
    `import { appendFileSync } from "node:fs"; appendFileSync(new URL("./server.log", import.meta.url), "started\\n");\n${serverFile(tool)}`;
  writeFileSync(file, "const = ;\n");
  const dev = await runDev(file);
  try {
    await dev.said(/server\.mjs did not start: the server process exited with code 1; its last lines on stderr:[\s\S]*SyntaxError/);
    writeFileSync(file, logging("logged_one"));
    await dev.until("logged_one");
    writeFileSync(file, logging("logged_two"));
    await dev.until("logged_two");
    const starts = () => (dev.stderr().match(/is running \(stdio\)/g) ?? []).length;
    assert.equal(starts(), 2, "one start per edit: server.log, written at each start, restarts nothing");
    assert.doesNotMatch(dev.stderr(), /server\.log changed/);
  } finally {
    dev.child.kill("SIGTERM");
    await new Promise((r) => dev.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serverCommand: .js runs as is; .ts needs Node 22.6+ and says so", () => {
  assert.deepEqual(serverCommand("/x/s.js", ["--a"]), [process.execPath, "/x/s.js", "--a"]);
  assert.throws(() => serverCommand("/x/s.ts", [], "20.20.2"), /needs Node 22\.6 or newer/);
  assert.deepEqual(serverCommand("/x/s.ts", [], "24.1.0").slice(1, 3), ["--experimental-strip-types", "--no-warnings"]);
});

test("a start that a restart stops is not reported as failed; one that fails on its own is", { timeout: 60_000 }, async () => {
  const said: string[] = [];
  const dashboard = { connect: async () => ({ id: "c" }), disconnect: async () => {} } as unknown as Dashboard;
  // An HTTP server that never listens: a start waits for it until stopped.
  const never = [process.execPath, "-e", "setInterval(() => {}, 1000)"];
  const runner = new DevRunner(dashboard, never, "server.js", { http: "http://127.0.0.1:9/mcp" }, (t) => said.push(t));
  const first = runner.start();
  await waitFor(() => childrenOf(process.pid).length > 0 || process.platform !== "linux", 10_000);
  const second = runner.start(); // a file changed: the first start's process is stopped
  await first;
  await runner.stop();
  await second;
  assert.deepEqual(
    said.filter((t) => /did not start/.test(t)),
    [],
    said.join("\n"),
  );
  const failing = new DevRunner(dashboard, [process.execPath, "-e", "process.exit(3)"], "bad.js", { http: "http://127.0.0.1:9/mcp" }, (t) =>
    said.push(t),
  );
  await failing.start();
  assert.match(said.at(-1)!, /^bad\.js did not start: it exited \(code 3\) before it listened/);
});

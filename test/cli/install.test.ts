/**
 * The SEP-1024 install flow in a real terminal (tmux, 50 columns): the consent screen shows the whole command —
 * longer than the terminal is wide, wrapped, never cut — and the warning; "no" leaves nothing behind; typing the
 * name writes the client's configuration, from which the Trellis client starts the server and calls a tool.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packBundle, readServer } from "../../src/bundles/index.js";
import { McpClient } from "../../src/client/index.js";
import { StdioClientTransport } from "../../src/transports/stdio-client.js";
import { run } from "../../src/cli/main.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));
const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const SOCKET = `trellis-test-${process.pid}`;

const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
const screen = (session: string, joined = false) => tmux("capture-pane", "-p", ...(joined ? ["-J"] : []), "-S", "-200", "-t", session);

async function until(session: string, re: RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen(session, true);
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`the screen never showed ${re}:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(session: string, home: string, bundle: string): void {
  const cmd = `HOME=${home} ${process.execPath} ${CLI} install ${bundle} --client claude-desktop; echo "[exit $?]"; sleep 60`;
  tmux("new-session", "-d", "-s", session, "-x", "50", "-y", "60", cmd);
}

test("trellis install in a terminal: the whole command and the warning; no leaves nothing; the name installs; the client starts it", {
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  const home = join(dir, "home-with-a-rather-long-name-for-wrapping");
  mkdirSync(home);
  const bundle = join(dir, "echo.mcpb");
  writeFileSync(bundle, (await packBundle(FIXTURE)).bytes);
  const config = join(home, ".config/Claude/claude_desktop_config.json");
  const command = `node ${home}/.trellis/bundles/echo-bundle-1.0.0/server/index.js`;
  assert.ok(command.length > 50, "the command is wider than the terminal");
  try {
    start("no", home, bundle);
    await until("no", /Prefix — Put before every echo \[echo: \]:/);
    tmux("send-keys", "-t", "no", "Enter");
    const shown = await until("no", /Type the server's name \(echo-bundle\)/);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "install-consent.txt"), screen("no"));
    // The command's lines, put back together (the screen wraps it, and long words are cut, never dropped).
    const raw0 = screen("no");
    const cmdLines = raw0.slice(raw0.indexOf("exactly:") + "exactly:".length, raw0.indexOf("with these environment")).split("\n");
    assert.equal(cmdLines.join("").replace(/\s+/g, ""), command.replace(/\s+/g, ""), `the whole command is on the screen:\n${raw0}`);
    const flat = shown.replace(/\s+/g, " ");
    assert.match(flat, /WARNING: a local MCP server runs with your privileges\. It can read, change and delete your files/);
    assert.match(flat, /ECHO_PREFIX=echo:/);
    assert.match(flat, /Signature: UNSIGNED/);
    const raw = screen("no");
    assert.ok(
      raw.split("\n").every((l) => l.length <= 50),
      "wrapped to the terminal's width",
    );
    tmux("send-keys", "-t", "no", "no", "Enter");
    await until("no", /cancelled: nothing was installed[\s\S]*\[exit 1\]/);
    assert.ok(!existsSync(config), "no configuration written");
    assert.ok(!existsSync(join(home, ".trellis")), "nothing unpacked");

    start("yes", home, bundle);
    await until("yes", /Prefix — Put before every echo/);
    tmux("send-keys", "-t", "yes", "hello>", "Enter");
    await until("yes", /Type the server's name/);
    tmux("send-keys", "-t", "yes", "echo-bundle", "Enter");
    await until("yes", /installed echo-bundle into[\s\S]*\[exit 0\]/);
    const entry = await readServer("claude-desktop", "echo-bundle", { path: config });
    assert.ok(entry);
    assert.deepEqual(entry.env, { ECHO_PREFIX: "hello>" });
    const client = new McpClient({ name: "desktop", version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: entry.command === "node" ? process.execPath : entry.command,
        args: entry.args,
        env: { ...entry.env, PATH: process.env.PATH ?? "" },
      }),
    );
    const r = await client.callTool("echo", { text: "hi" });
    assert.equal((r.content[0] as { text: string }).text, "hello>hi");
    await client.close();

    let out = "";
    assert.equal(
      await run(["uninstall", "echo-bundle"], { out: (s) => void (out += s), err: () => {} }).catch(() => 1),
      1,
      "HOME differs in this process",
    );
    const before = process.env.HOME;
    process.env.HOME = home;
    try {
      assert.equal(await run(["uninstall", "echo-bundle"], { out: (s) => void (out += s), err: () => {} }), 0);
    } finally {
      process.env.HOME = before;
    }
    assert.equal(JSON.parse(readFileSync(config, "utf8")).mcpServers["echo-bundle"], undefined);
    assert.ok(!existsSync(join(home, ".trellis/bundles/echo-bundle-1.0.0")));
  } finally {
    try {
      tmux("kill-server");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

test("install without a terminal needs --yes; --dry-run writes nothing; commands and npm packages are shown exactly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  const before = process.env.HOME;
  process.env.HOME = dir;
  let err = "";
  let out = "";
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  const stderr = process.stderr.write.bind(process.stderr);
  let shown = "";
  process.stderr.write = ((s: string) => ((shown += s), true)) as typeof process.stderr.write;
  try {
    const cfg = join(dir, "cursor.json");
    assert.equal(await run(["install", "--client", "cursor", "--config", cfg, "--", "python3", "-m", "my_server", "--flag=a b"], io), 1);
    assert.match(err, /cancelled/);
    assert.match(shown, /python3 -m my_server '--flag=a b'/);
    assert.ok(!existsSync(cfg));
    assert.equal(await run(["install", "--client", "cursor", "--config", cfg, "--dry-run", "--yes", "@scope/some-server@1.2.3"], io), 0);
    assert.match(out, /dry run: would add[\s\S]*"command": "npx"[\s\S]*"-y"[\s\S]*"@scope\/some-server@1.2.3"/);
    assert.ok(!existsSync(cfg), "a dry run writes nothing");
    assert.equal(
      await run(["install", "--client", "cursor", "--config", cfg, "--yes", "--name", "mine", "--", "python3", "-m", "my_server"], io),
      0,
    );
    assert.deepEqual(JSON.parse(readFileSync(cfg, "utf8")).mcpServers.mine, { command: "python3", args: ["-m", "my_server"] });
    assert.match(shown, /Approved with --yes: python3 -m my_server/);
  } finally {
    process.stderr.write = stderr;
    process.env.HOME = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the manifest substitutions are literally ${...}
/**
 * The SEP-1024 install flow in a real terminal (tmux, 50 columns): the consent screen shows the whole command —
 * longer than the terminal is wide, wrapped, never cut — and the warning; "no" leaves nothing behind; typing the
 * name writes the client's configuration, from which the Trellis client starts the server and calls a tool. Only
 * what the person entered is masked (a sensitive option's default is shown, labelled); a dry run asks nothing and
 * names the file and entry; off a terminal no escape sequence is written; `run` holds names to install's rule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

function start(session: string, home: string, bundle: string, more = "", width = 50): void {
  const cmd = `HOME=${home} ${process.execPath} ${CLI} install ${bundle} --client claude-desktop ${more}; echo "[exit $?]"; sleep 60`;
  tmux("new-session", "-d", "-s", session, "-x", String(width), "-y", "60", cmd);
}

interface ManifestJson {
  name: string;
  user_config: Record<string, unknown>;
  server: { mcp_config: { command: string; args: string[]; env: Record<string, string> } };
}

/** A bundle of the echo server whose manifest says `change` (its name, its user_config, its arguments...). */
async function bundleWith(dir: string, change: (m: ManifestJson) => void): Promise<string> {
  const folder = join(dir, `src-${Math.random().toString(36).slice(2)}`);
  cpSync(FIXTURE, folder, { recursive: true });
  const m = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as ManifestJson;
  change(m);
  writeFileSync(join(folder, "manifest.json"), JSON.stringify(m));
  const file = join(dir, `${Math.random().toString(36).slice(2)}.mcpb`);
  writeFileSync(file, (await packBundle(folder)).bytes);
  return file;
}

/** Options a bundle author might write: a sensitive option whose default runs code, and a secret the person types. */
function withSecrets(m: ManifestJson): void {
  m.user_config.flags = {
    type: "string",
    title: "Flags",
    description: "Extra node flags",
    sensitive: true,
    default: "--eval=process.exit(7)",
  };
  m.user_config.token = { type: "string", title: "Token", description: "Your API token", sensitive: true };
  m.server.mcp_config.args = ["${user_config.flags}", "${__dirname}/server/index.js"];
  m.server.mcp_config.env = { ECHO_PREFIX: "${user_config.prefix}", TOKEN: "${user_config.token}" };
}

/** Any character that would act on a terminal or hide text, outside line breaks. */
const raw = (text: string) => [...text].filter((ch) => ch !== "\n" && /[\p{Cc}\p{Cf}\p{Cs}]/u.test(ch));

/** cli runs the built trellis in a child process, every stdio a pipe (no terminal anywhere). */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, out, errText) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errText }),
    );
    child.stdin?.end();
  });
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
    assert.equal(await run(["install", "--client", "cursor", "--config", cfg, "--dry-run", "@scope/some-server@1.2.3"], io), 0);
    assert.match(out, /dry run, nothing written[\s\S]*"command": "npx"[\s\S]*"-y"[\s\S]*"@scope\/some-server@1.2.3"/);
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

test("a dry run asks nothing and writes nothing, and names the exact file and entry; a sensitive default is shown, a typed secret masked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  try {
    const bundle = await bundleWith(dir, withSecrets);
    const cfg = join(dir, "cursor.json");
    writeFileSync(cfg, `${JSON.stringify({ mcpServers: { other: { command: "x", args: [] } } })}\n`);
    const r = await cli(["install", bundle, "--client", "cursor", "--config", cfg, "--dry-run", "--set", "token=sk-typed-secret"], {
      HOME: dir,
    });
    assert.equal(r.code, 0, r.err);
    // It names the file and what goes in it, under the key the client reads.
    assert.match(r.out, new RegExp(`it would add the entry "echo-bundle" to ${cfg.replace(/[.]/g, "\\.")}`));
    const entry = JSON.parse(r.out.slice(r.out.indexOf("{"), r.out.lastIndexOf("}") + 1));
    assert.deepEqual(entry.mcpServers["echo-bundle"].args, [
      "--eval=process.exit(7)",
      `${dir}/.trellis/bundles/echo-bundle-1.0.0/server/index.js`,
    ]);
    assert.deepEqual(entry.mcpServers["echo-bundle"].env, { ECHO_PREFIX: "echo: ", TOKEN: "********" });
    assert.match(r.out, new RegExp(`unpack the bundle into ${dir}/\\.trellis/bundles/echo-bundle-1\\.0\\.0`));
    // The screen: the default that will run is in clear and labelled; the typed secret is not anywhere.
    assert.match(r.err, /It will run this command, exactly:\s+node '--eval=process\.exit\(7\)'/);
    assert.match(r.err, /bundle's own default\s+\(you did not enter them\):\s+Flags \(flags\): --eval=process\.exit\(7\)/);
    assert.match(r.err, /TOKEN=\*{8}/);
    assert.ok(!`${r.out}${r.err}`.includes("sk-typed-secret"));
    // Asks nothing, and off a terminal writes no escape sequence at all.
    assert.doesNotMatch(r.err, /Type the server's name|pass --yes/);
    assert.ok(!`${r.out}${r.err}`.includes("\u001b"), JSON.stringify(r.err.slice(0, 40)));
    assert.deepEqual(JSON.parse(readFileSync(cfg, "utf8")), { mcpServers: { other: { command: "x", args: [] } } }, "the file is untouched");
    assert.ok(!existsSync(join(dir, ".trellis")), "nothing unpacked or recorded");
    // An answer a dry run cannot invent is named, not asked for.
    const required = await bundleWith(dir, (m) => {
      withSecrets(m);
      (m.user_config.token as { required?: boolean }).required = true;
    });
    const missing = await cli(["install", required, "--client", "cursor", "--config", cfg, "--dry-run"], { HOME: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.err, /--dry-run asks nothing: pass --set token=\.\.\. \(Token\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a secret typed for a key of any spelling is masked on the screen, the log and a dry run, and its file is owner-only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  try {
    // "api.key" is a valid user_config key (the schema allows any); it is put into the command, an argument and the environment.
    const bundle = await bundleWith(dir, (m) => {
      m.user_config["api.key"] = { type: "string", title: "API key", description: "Your key", sensitive: true, required: true };
      m.server.mcp_config.command = "${__dirname}/bin-${user_config.api.key}";
      m.server.mcp_config.args = ["--token=${user_config.api.key}"];
      m.server.mcp_config.env = { TOKEN: "${user_config.api.key}" };
    });
    const secret = "sk-live-SECRET123";
    const cfg = join(dir, "claude.json");
    const dry = await cli(["install", bundle, "--client", "claude-code", "--config", cfg, "--dry-run", "--set", `api.key=${secret}`], {
      HOME: dir,
    });
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /"command": "[^"]*\/bin-\*{8}"/);
    assert.ok(!`${dry.out}${dry.err}`.includes("SECRET123"), dry.out + dry.err);
    // A typed secret is used as it is: "${...}" in it is not a substitution, and no error quotes it.
    const dollars = await cli(
      ["install", bundle, "--client", "cursor", "--config", cfg, "--dry-run", "--set", "api.key=sk-${x}-${HOME}-9"],
      {
        HOME: dir,
      },
    );
    assert.equal(dollars.code, 0, dollars.err);
    assert.ok(!`${dollars.out}${dollars.err}`.includes("sk-"), dollars.err);
    const r = await cli(["install", bundle, "--client", "claude-code", "--config", cfg, "--set", `api.key=${secret}`, "--yes"], {
      HOME: dir,
    });
    assert.equal(r.code, 0, r.err);
    // The screen wraps the command to 80 columns: its words, put back together, are the masked ones.
    assert.match(r.err.replace(/\n {4}/g, ""), /It will run this command, exactly:'\S+\/bin-\*{8}' ?'--token=\*{8}'/);
    assert.match(r.err, /TOKEN=\*{8}/);
    assert.match(r.err, /Approved with --yes: '\S+\/bin-\*{8}' '--token=\*{8}'\n/);
    assert.ok(!`${r.out}${r.err}`.includes("SECRET123"), r.err);
    // The file holds the secret, as the client needs it: readable by its owner only.
    const entry = JSON.parse(readFileSync(cfg, "utf8")).mcpServers["echo-bundle"];
    assert.deepEqual([entry.args, entry.env], [[`--token=${secret}`], { TOKEN: secret }]);
    assert.equal(statSync(cfg).mode & 0o777, 0o600);
    // A file that was readable by others before becomes owner-only once it holds a secret; one that was owner-only stays so.
    const shared = join(dir, "shared.json");
    writeFileSync(shared, `${JSON.stringify({ theme: "dark" })}\n`, { mode: 0o644 });
    chmodSync(shared, 0o644);
    const again = await cli(["install", bundle, "--client", "cursor", "--config", shared, "--set", `api.key=${secret}`, "--yes"], {
      HOME: dir,
    });
    assert.equal(again.code, 0, again.err);
    assert.equal(statSync(shared).mode & 0o777, 0o600);
    const plain = await cli(["install", "--client", "cursor", "--config", shared, "--yes", "--name", "plain", "--", "python3", "-m", "x"], {
      HOME: dir,
    });
    assert.equal(plain.code, 0, plain.err);
    assert.equal(statSync(shared).mode & 0o777, 0o600, "never loosened");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("off a terminal, install and run write no escape sequences (NO_COLOR or not)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  try {
    const cfg = join(dir, "cursor.json");
    const installed = await cli(["install", "--client", "cursor", "--config", cfg, "--yes", "--name", "mine", "--", "python3", "-m", "x"], {
      HOME: dir,
    });
    assert.equal(installed.code, 0, installed.err);
    assert.match(installed.err, /Install the local MCP server "mine"/);
    const bundle = await bundleWith(dir, () => {});
    const refused = await cli(["run", bundle], { HOME: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /Run the local MCP server "echo-bundle"[\s\S]*not on a terminal: pass --yes/);
    for (const r of [installed, refused]) assert.ok(!`${r.out}${r.err}`.includes("\u001b"), JSON.stringify(r.err.slice(0, 40)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run holds a bundle's name to install's rule: escape sequences in it are refused, shown, never printed raw", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  try {
    const evil = await bundleWith(dir, (m) => {
      m.name = "evil\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\u009b31m\u202e";
    });
    const r = await cli(["run", evil, "--yes"], { HOME: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /the server name "evil\\u\{1b\}\[2J\\u\{1b\}\]52;c;cm0gLXJmIH4=\\u\{7\}\\u\{9b\}31m\\u\{202e\}" must be 1-64 of letters, digits, \. _ -; pass --name/,
    );
    assert.doesNotMatch(r.err, /Run the local MCP server/, "refused before anything is shown or run");
    assert.ok(![...`${r.out}${r.err}`].some((ch) => ch !== "\n" && /[\p{Cc}\p{Cf}]/u.test(ch)), "nothing raw reaches the terminal");
    // --name stands in for it, as with install: the screen then shows that name.
    const named = await cli(["run", evil, "--name", "tamed"], { HOME: dir });
    assert.match(named.err, /Run the local MCP server "tamed"[\s\S]*not on a terminal: pass --yes/);
    const installing = await cli(["install", evil, "--client", "cursor", "--config", join(dir, "c.json"), "--dry-run"], { HOME: dir });
    assert.equal(installing.code, 1);
    assert.match(installing.err, /the server name "evil\\u\{1b\}\[2J.*" must be 1-64 of letters, digits, \. _ -; pass --name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run: a command that cannot start is an error said visibly (exit 1), and the unpacked bundle is removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  try {
    const bundle = await bundleWith(dir, (m) => {
      m.server.mcp_config.command = "no-such-\u001b]0;PWNED\u0007\u001b[2J-cmd";
    });
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const r = await cli(["run", bundle, "--yes"], { HOME: dir, TMPDIR: tmp });
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.err,
      /trellis: the server's command 'no-such-\\u\{1b\}\]0;PWNED\\u\{7\}\\u\{1b\}\[2J-cmd' was not found: is it installed, and on PATH\?\n$/,
    );
    assert.doesNotMatch(r.err, /Unhandled|node:events/);
    assert.deepEqual(raw(r.out + r.err), [], "no escape sequence reaches the terminal");
    assert.deepEqual(readdirSync(tmp), [], "the unpacked bundle is removed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("in a terminal: a sensitive option's default is shown in clear and labelled, a typed secret masked; a dry run asks nothing", {
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-install-"));
  const home = join(dir, "home");
  mkdirSync(home);
  try {
    const bundle = await bundleWith(dir, withSecrets);
    start("secrets", home, bundle, "", 100);
    await until("secrets", /Prefix — Put before every echo \[echo: \]:/);
    tmux("send-keys", "-t", "secrets", "Enter");
    const asked = await until("secrets", /Flags — Extra node flags[^\n]*:/);
    tmux("send-keys", "-t", "secrets", "Enter");
    await until("secrets", /Token — Your API token:/);
    tmux("send-keys", "-t", "secrets", "sk-typed-in-tmux", "Enter");
    const shown = await until("secrets", /Type the server's name \(echo-bundle\)/);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "install-sensitive-default.txt"), screen("secrets"));
    const flat = shown.replace(/\s+/g, " ");
    assert.match(flat, /It will run this command, exactly: node '--eval=process\.exit\(7\)' \S+server\/index\.js/);
    assert.match(flat, /TOKEN=\*{8}/);
    assert.match(flat, /left at the bundle's own default \(you did not enter them\): Flags \(flags\): --eval=process\.exit\(7\)/);
    assert.match(flat, /\(\*{8} stands for the secret values you entered\.\)/);
    assert.ok(!shown.includes("sk-typed-in-tmux"), "the typed secret is never echoed");
    assert.match(asked, /Flags — Extra node flags \[--eval=process\.exit\(7\)\]:/, "the question shows the default too");
    tmux("send-keys", "-t", "secrets", "no", "Enter");
    await until("secrets", /cancelled: nothing was installed[\s\S]*\[exit 1\]/);

    start("dry", home, bundle, "--dry-run", 100);
    const dry = await until("dry", /\[exit \d+\]/);
    assert.match(dry, /\[exit 0\]/, dry);
    assert.doesNotMatch(dry, /Prefix —|Type the server's name/, "a dry run asks nothing");
    assert.match(dry.replace(/\s+/g, " "), /it would add the entry "echo-bundle" to \S+claude_desktop_config\.json/);
    assert.match(dry, /"--eval=process\.exit\(7\)"/);
    assert.ok(!existsSync(join(home, ".trellis")) && !existsSync(join(home, ".config")), "nothing written");
  } finally {
    try {
      tmux("kill-server");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

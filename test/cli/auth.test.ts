/**
 * `trellis auth login | status | logout` against the everything example behind its embedded authorization server:
 * the sign-in goes through the loopback redirect (the browser's part played by a form-posting fetch), the tokens are
 * kept (mode 0600) and used by later commands, and after logout a command says how to sign in, with exit code 5.
 * A step-up: a call the kept scopes do not cover names the scopes the server asked for and the login that gets
 * them; `auth login --scope` runs a new sign-in even while signed in; at a terminal, `call` offers the sign-in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { trellis } from "../fixtures/trellis.js";
import { FormBrowser } from "../fixtures/form-browser.js";
import { spawnServer } from "../helpers.js";

const SERVER = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));

test("auth login through the browser, then status, a call with the kept token, logout, and exit code 5", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-cli-auth-"));
  const config = join(dir, "config");
  process.env.TRELLIS_CONFIG_DIR = config;
  const srv = await spawnServer([SERVER, "--port", "0", "--auth-server", "--database", join(dir, "e.db")], { cwd: dir });
  try {
    const before = await trellis("call", srv.url, "echo", "text=hi");
    assert.equal(before.code, 5, before.err);
    assert.match(before.err, /trellis auth login/);

    const login = spawn(process.execPath, [CLI, "auth", "login", srv.url, "--client-id", "conformance"], {
      env: { ...process.env, TRELLIS_CONFIG_DIR: config },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    login.stdout.on("data", (d) => (out += d));
    const authorizeUrl = await new Promise<string>((resolve, reject) => {
      login.stderr.on("data", (d) => {
        err += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      login.once("exit", (code) => reject(new Error(`login exited ${code}: ${err}`)));
    });
    const back = await new FormBrowser().authorize(authorizeUrl, { username: "alice", password: "alice-demo-password" });
    await (await fetch(back)).text();
    const code = await new Promise<number>((r) => login.once("exit", (c) => r(c ?? 1)));
    assert.equal(code, 0, err);
    assert.match(out, /^signed in to http:\/\/127\.0\.0\.1:\d+\/mcp/);
    assert.equal(statSync(join(config, "credentials.json")).mode & 0o777, 0o600);

    const status = JSON.parse((await trellis("auth", "status", "--json")).out) as { server: string; expired: boolean }[];
    assert.equal(status.length, 1);
    assert.equal(status[0]!.server, srv.url);
    assert.equal(status[0]!.expired, false);
    assert.doesNotMatch(JSON.stringify(status), /eyJ/, "no token is printed");

    const call = await trellis("call", srv.url, "echo", "text=signed in");
    assert.equal(call.code, 0, call.err);
    assert.equal(call.out, "signed in\n");

    assert.match((await trellis("auth", "logout", srv.url)).out, /signed out of/);
    const after = await trellis("list", srv.url, "tools");
    assert.equal(after.code, 5);
    assert.match((await trellis("auth", "status")).out, /not signed in anywhere/);
  } finally {
    srv.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs `trellis auth login` as a process and signs in as alice through the pages; resolves with what it printed. */
async function login(url: string, config: string, extra: string[]): Promise<{ code: number; out: string; err: string; asked: boolean }> {
  const child = spawn(process.execPath, [CLI, "auth", "login", url, "--client-id", "conformance", ...extra], {
    env: { ...process.env, TRELLIS_CONFIG_DIR: config },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise<number>((r) => child.once("exit", (c) => r(c ?? 1)));
  const authorizeUrl = await Promise.race([
    new Promise<string>((resolve) =>
      child.stderr.on("data", (d) => {
        err += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(err);
        if (m) resolve(m[1]!);
      }),
    ),
    exited.then(() => undefined),
  ]);
  if (authorizeUrl)
    await (await fetch(await new FormBrowser().authorize(authorizeUrl, { username: "alice", password: "alice-demo-password" }))).text();
  return { code: await exited, out, err, asked: authorizeUrl !== undefined };
}

test("step-up: the scopes the server asks for are named with the login that gets them; auth login --scope always signs in anew", {
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-cli-stepup-"));
  const config = join(dir, "config");
  process.env.TRELLIS_CONFIG_DIR = config;
  const srv = await spawnServer([SERVER, "--port", "0", "--auth-server", "--database", join(dir, "e.db")], { cwd: dir });
  try {
    const read = await login(srv.url, config, ["--scope", "mcp:read"]);
    assert.equal(read.code, 0, read.err);
    assert.match(read.out, /\(scopes: mcp:read\)/);
    const refused = await trellis("call", srv.url, "write_note", "text=x");
    assert.equal(refused.code, 5, refused.err);
    assert.equal(
      refused.err,
      `trellis: ${srv.url} asks for the scopes "mcp:read mcp:write", more than your sign-in holds ("mcp:read"): run  trellis auth login ${srv.url} --scope 'mcp:read mcp:write'\n`,
    );
    const again = await login(srv.url, config, ["--scope", "mcp:read mcp:write"]);
    assert.equal(again.code, 0, again.err);
    assert.ok(again.asked, "a new sign-in, although signed in");
    assert.match(again.out, /\(scopes: mcp:read mcp:write\)/);
    const written = await trellis("call", srv.url, "write_note", "text=x");
    assert.equal(written.code, 0, written.err);
    assert.equal(written.out, "noted for alice: x\n");
  } finally {
    srv.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("step-up at a terminal (tmux): call offers the sign-in, and the call goes through after it", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-cli-stepup-tty-"));
  const config = join(dir, "config");
  const srv = await spawnServer([SERVER, "--port", "0", "--auth-server", "--database", join(dir, "e.db")], { cwd: dir });
  const socket = `trellis-stepup-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  try {
    assert.equal((await login(srv.url, config, ["--scope", "mcp:read"])).code, 0);
    const cmd = `TRELLIS_CONFIG_DIR=${config} ${process.execPath} ${CLI} call ${srv.url} write_note text=stepped; echo "[exit $?]"; sleep 30`;
    tmux("new-session", "-d", "-s", "stepup", "-x", "200", "-y", "40", cmd);
    const screen = async (want: RegExp) => {
      let text = "";
      for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        text = tmux("capture-pane", "-p", "-J", "-t", "stepup");
        if (want.test(text)) return text;
      }
      assert.fail(`the terminal never showed ${want}:\n${text}`);
    };
    assert.match(
      await screen(/Sign in again now\? \[Y\/n\]/),
      /asks for the scopes "mcp:read mcp:write", more than your sign-in holds \("mcp:read"\)/,
    );
    tmux("send-keys", "-t", "stepup", "y", "Enter");
    const shown = await screen(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    const authorizeUrl = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(shown)![1]!;
    await (await fetch(await new FormBrowser().authorize(authorizeUrl, { username: "alice", password: "alice-demo-password" }))).text();
    const done = await screen(/\[exit \d+\]/);
    assert.match(done, /noted for alice: stepped/);
    assert.match(done, /\[exit 0\]/);
  } finally {
    try {
      tmux("kill-server");
    } catch {
      // no server left
    }
    srv.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

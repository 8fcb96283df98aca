/**
 * `trellis auth login | status | logout` against the everything example behind its embedded authorization server:
 * the sign-in goes through the loopback redirect (the browser's part played by a form-posting fetch), the tokens are
 * kept (mode 0600) and used by later commands, and after logout a command says how to sign in, with exit code 5.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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

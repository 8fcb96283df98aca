/**
 * The conformance suite's authorization server scenarios (`conformance authorization`) against the everything
 * server's demo authorization server (`--auth-server`): authorization-server-metadata-endpoint and
 * authorization-code-grant. The suite prints the authorization URL and waits for the callback; a real headless
 * Chromium signs in as alice through the login form and presses Approve on the consent page (screenshots kept).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { node24 } from "./run.js";
import { freePort, spawnServer } from "../helpers.js";
import { ARTIFACTS, launch } from "../fixtures/apps.js";
import { resolvePeer } from "../peers.js";

const cli = join(dirname(resolvePeer("@modelcontextprotocol/conformance/package.json")), "dist/index.js");
const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));

test("conformance authorization: metadata and the authorization code grant pass, signed in through the forms in Chromium", {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-as-"));
  const { url, child } = await spawnServer([server, "--port", "0", "--auth-server", "--database", join(dir, "db.sqlite")], { cwd: dir });
  const issuer = new URL(url).origin;
  const browser = await launch();
  try {
    const port = await freePort();
    const suite = execFile(
      node24(),
      [cli, "authorization", "--url", issuer, "--client-id", "conformance", "--resource", url, "--port", String(port)],
      {
        cwd: dir,
        timeout: 240_000,
      },
    );
    let out = "";
    const signedIn = new Promise<void>((resolve, reject) => {
      let started = false;
      const onData = async (d: Buffer) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(out);
        if (!m || started) return;
        started = true;
        try {
          const page = await browser.newPage();
          await page.goto(m[1]!);
          await page.fill("#username", "alice");
          await page.fill("#password", "alice-demo-password");
          await page.screenshot({ path: join(ARTIFACTS, "auth-login.png") });
          await page.click("button[type=submit]");
          await page.waitForSelector("button[value=approve]");
          const consent = await page.textContent("body");
          assert.match(consent!, /mcp:read/);
          await page.screenshot({ path: join(ARTIFACTS, "auth-consent.png") });
          await page.click("button[value=approve]");
          // The browser now goes to the suite's callback listener, which closes as soon as it has the code:
          // what the callback carried is the suite's to check.
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      suite.stdout!.on("data", onData);
      suite.stderr!.on("data", (d: Buffer) => (out += d));
    });
    const exited = new Promise<number | null>((resolve) => suite.on("exit", resolve));
    let approved = false;
    const signInError = signedIn.then(
      () => void (approved = true),
      (err: Error) => err,
    );
    const code = await exited;
    const err = await Promise.race([signInError, new Promise((r) => setTimeout(r, 5000))]);
    assert.ok(approved, `the browser did not get through sign-in and consent (${err ?? "not finished"}):\n${out}`);
    const summary = out.slice(out.lastIndexOf("SUMMARY"));
    assert.match(summary, /✓ authorization-server-metadata-endpoint: \d+ passed, 0 failed/, out);
    assert.match(summary, /✓ authorization-code-grant: 1 passed, 0 failed/, out);
    assert.equal(code, 0, out);
  } finally {
    await browser.close();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

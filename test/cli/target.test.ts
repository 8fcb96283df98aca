/** Targets: a URL among the arguments or a command after --; a stdio command that is not a stdio server, said quickly. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, connectTarget, takeTarget } from "../../src/cli/target.js";
import { childrenOf } from "../../src/cli/listening.js";
import { trellis } from "../fixtures/trellis.js";
import { waitFor } from "../helpers.js";

test("takeTarget: the first http(s) URL wherever it is, else the stdio command; neither is a usage error", () => {
  assert.deepEqual(takeTarget(["tools", "http://127.0.0.1:3000/mcp"], undefined), {
    target: { url: new URL("http://127.0.0.1:3000/mcp") },
    rest: ["tools"],
  });
  assert.deepEqual(takeTarget(["echo", "text=x"], ["node", "s.js"]), { target: { command: ["node", "s.js"] }, rest: ["echo", "text=x"] });
  assert.throws(
    () => takeTarget(["tools"], undefined, () => new Map()),
    (e: Error) => e instanceof CliError && e.exitCode === 1 && /name a server/.test(e.message),
  );
  assert.throws(() => takeTarget(["http://[bad"], undefined), /not a URL/);
});

const HTTP_MODULE = fileURLToPath(new URL("../../bundle/http.js", import.meta.url));
const SERVER_MODULE = fileURLToPath(new URL("../../bundle/server.js", import.meta.url));

test("an HTTP server started as a stdio command: within seconds, the port it listens on and the URL to use instead", {
  skip: process.platform !== "linux" && "reads /proc",
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-target-"));
  const file = join(dir, "http-server.mjs");
  writeFileSync(
    file,
    `import { McpServer } from ${JSON.stringify(SERVER_MODULE)};
import { serveHttp } from ${JSON.stringify(HTTP_MODULE)};
const server = new McpServer({ name: "weather", version: "1.0.0" });
server.registerTool("forecast", {}, async () => "Sunny");
await serveHttp(server, { port: 0 });`,
  );
  const started = Date.now();
  try {
    await assert.rejects(
      connectTarget({ command: [process.execPath, file] }, { onnote: () => {} }),
      (e: Error) =>
        e instanceof CliError &&
        e.exitCode === 2 &&
        /does not answer on stdio: it listens on 127\.0\.0\.1:\d+, so it looks like an HTTP server\. .* trellis list http:\/\/127\.0\.0\.1:\d+\/mcp/.test(
          e.message,
        ),
    );
    assert.ok(Date.now() - started < 30_000, "long before the 60 s request timeout");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stdio server that stays silent is told, after a few seconds, what the command waits for", {
  skip: process.platform !== "linux" && "reads /proc",
}, async () => {
  const notes: string[] = [];
  const before = new Set(childrenOf(process.pid));
  const silent = connectTarget({ command: [process.execPath, "-e", "setInterval(() => {}, 1000)"] }, { onnote: (t) => notes.push(t) });
  await waitFor(() => notes.length > 0, 30_000);
  assert.match(notes[0]!, /waiting for .* to answer on stdio \(5 s so far\)\. A stdio MCP server answers at once; if this one serves HTTP/);
  // Ends the wait without the full timeout: the server going away fails the connect at once, saying how it ended.
  for (const pid of childrenOf(process.pid)) if (!before.has(pid)) process.kill(pid);
  await assert.rejects(silent, /could not start or initialize .*: the server process was killed by SIGTERM/);
});

test("a server installed with --client trellis is named by the client commands", { timeout: 60_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), "trellis-installed-"));
  const before = process.env.HOME;
  process.env.HOME = home;
  try {
    const server = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
    const installed = await trellis(
      "install",
      "--client",
      "trellis",
      "--yes",
      "--name",
      "everything",
      "--",
      process.execPath,
      server,
      "--stdio",
    );
    assert.equal(installed.code, 0, installed.err);
    const listed = await trellis("list", "everything", "tools");
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^echo {2}— /m);
    const unknown = await trellis("list", "nothing-by-this-name", "tools");
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /or the name of one installed with --client trellis \(everything\)/);
  } finally {
    process.env.HOME = before;
    rmSync(home, { recursive: true, force: true });
  }
});

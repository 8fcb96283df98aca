/** Targets: a URL among the arguments or a command after --. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CliError, takeTarget } from "../../src/cli/target.js";

test("takeTarget: the first http(s) URL wherever it is, else the stdio command; neither is a usage error", () => {
  assert.deepEqual(takeTarget(["tools", "http://127.0.0.1:3000/mcp"], undefined), {
    target: { url: new URL("http://127.0.0.1:3000/mcp") },
    rest: ["tools"],
  });
  assert.deepEqual(takeTarget(["echo", "text=x"], ["node", "s.js"]), { target: { command: ["node", "s.js"] }, rest: ["echo", "text=x"] });
  assert.throws(
    () => takeTarget(["tools"], undefined),
    (e: Error) => e instanceof CliError && e.exitCode === 1 && /name a server/.test(e.message),
  );
  assert.throws(() => takeTarget(["http://[bad"], undefined), /not a URL/);
});

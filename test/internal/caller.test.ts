/** caller.ts: a CallSite names the first frame outside Trellis, the file and line of the code that made it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CallSite } from "../../src/internal/caller.js";
import { McpServer } from "../../src/server/index.js";

test("CallSite: made here, it names this file; made inside Trellis for a caller, it names the caller", () => {
  const here = new CallSite().location;
  assert.match(here!, /\/test\/internal\/caller\.test\.js:\d+:\d+$/);
  const s = new McpServer({ name: "s", version: "1" });
  // registerTool makes the CallSite inside Trellis's own modules; the location skips them.
  s.registerTool("t", {}, () => "x");
  const site = (s as any).constructor && new CallSite().location;
  assert.match(site!, /caller\.test\.js/);
});

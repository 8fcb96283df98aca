/** Logging: the level order, the per-session threshold, and every way of logging going through one filter. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../../src/server/index.js";
import { LOG_LEVELS, logMessage, shouldLog } from "../../src/server/logging.js";
import { connectRaw, waitFor } from "../helpers.js";

test("shouldLog and logMessage follow the spec's order; no threshold passes everything", () => {
  assert.deepEqual(LOG_LEVELS, ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]);
  assert.equal(shouldLog("debug", undefined), true);
  assert.equal(shouldLog("info", "warning"), false);
  assert.equal(shouldLog("error", "warning"), true);
  assert.equal(shouldLog("warning", "warning"), true);
  assert.deepEqual(logMessage("error", { a: 1 }, "db", "info"), { level: "error", data: { a: 1 }, logger: "db" });
  assert.deepEqual(logMessage("error", "x", undefined, undefined), { level: "error", data: "x" });
  assert.equal(logMessage("debug", "x", undefined, "info"), undefined);
});

test("logging/setLevel filters both the server's broadcast and a handler's ctx.log for that session only", async () => {
  const s = new McpServer({ name: "l", version: "1" });
  s.registerTool("talk", {}, (_a, ctx) => {
    ctx.log("debug", "quiet");
    ctx.log("error", "loud");
    return "ok";
  });
  const strict = await connectRaw(s);
  const chatty = await connectRaw(s);
  await strict.rpc.request("logging/setLevel", { level: "warning" });
  await strict.rpc.request("tools/call", { name: "talk" });
  await chatty.rpc.request("tools/call", { name: "talk" });
  s.log("info", "broadcast");
  await waitFor(() => chatty.notifications.length >= 3);
  const data = (c: typeof strict) => c.notifications.filter((n) => n.method === "notifications/message").map((n) => n.params.data);
  assert.deepEqual(data(strict), ["loud"]);
  assert.deepEqual(data(chatty), ["quiet", "loud", "broadcast"]);
  await strict.close();
  await chatty.close();
});

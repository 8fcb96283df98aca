import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addServer, readServer, removeServer, CLIENT_NAMES } from "../../src/bundles/index.js";

test("each client's file gets its own shape; other entries and settings are kept; secrets make the file owner-only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-clients-"));
  try {
    const e = { command: "node", args: ["/s/i.js"], env: { K: "v" } };
    for (const client of CLIENT_NAMES) {
      const path = join(dir, `${client}.json`);
      writeFileSync(path, JSON.stringify({ theme: "dark", mcpServers: { other: { command: "x" } }, servers: { other: { command: "x" } } }));
      await addServer(client, "mine", e, { path, secret: client === "claude-desktop" });
      const json = JSON.parse(readFileSync(path, "utf8"));
      assert.equal(json.theme, "dark", client);
      const key = client === "vscode" || client === "trellis" ? "servers" : "mcpServers";
      assert.ok(json[key].other, `${client} keeps other servers`);
      assert.equal(json[key].mine.command, "node");
      if (client === "vscode" || client === "claude-code") assert.equal(json[key].mine.type, "stdio");
      assert.deepEqual(await readServer(client, "mine", { path }), e);
      assert.equal(await removeServer(client, "mine", { path }), true);
      assert.equal(await readServer(client, "mine", { path }), undefined);
      assert.equal(await removeServer(client, "mine", { path }), false);
    }
    assert.equal(statSync(join(dir, "claude-desktop.json")).mode & 0o777, 0o600);
    writeFileSync(join(dir, "broken.json"), "{ not json");
    await assert.rejects(
      addServer("cursor", "x", { command: "a", args: [], env: {} }, { path: join(dir, "broken.json") }),
      /not a JSON object.*not changed/,
    );
    assert.equal(readFileSync(join(dir, "broken.json"), "utf8"), "{ not json");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

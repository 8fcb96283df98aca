/** listening.ts: the ports a process and its descendants listen on, read from /proc, and the addresses in it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { childrenOf, hostOf, likelyUrl, listeningPorts } from "../../src/cli/listening.js";
import { waitFor } from "../helpers.js";

const linux = process.platform === "linux";

test("hostOf: IPv4 and IPv6 addresses as /proc writes them; wildcards are reached on loopback", () => {
  assert.equal(hostOf("0100007F"), "127.0.0.1");
  assert.equal(hostOf("00000000"), "127.0.0.1");
  assert.equal(hostOf("0A01A8C0"), "192.168.1.10");
  assert.equal(hostOf("00000000000000000000000000000000"), "::1");
  assert.equal(hostOf("00000000000000000000000001000000"), "::1");
  assert.equal(hostOf("0000000000000000FFFF00000100007F"), "127.0.0.1");
  assert.equal(likelyUrl({ host: "::1", port: 3000 }), "http://[::1]:3000/mcp");
  assert.equal(likelyUrl({ host: "127.0.0.1", port: 8080 }, "/"), "http://127.0.0.1:8080/");
});

test("listeningPorts: a process's listening port, and its child's (a server started through a wrapper)", {
  skip: !linux && "reads /proc",
}, async () => {
  const listen = `require("node:net").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port); }); setInterval(() => {}, 1000);`;
  const direct = spawn(process.execPath, ["-e", listen], { stdio: ["ignore", "pipe", "ignore"] });
  const wrapper = spawn(
    process.execPath,
    [
      "-e",
      `require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(listen)}], { stdio: "inherit" }); setInterval(() => {}, 1000);`,
    ],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  try {
    const ports: number[] = [];
    for (const c of [direct, wrapper]) c.stdout!.on("data", (d) => ports.push(Number(String(d).trim())));
    await waitFor(() => ports.length === 2, 20_000);
    const a = listeningPorts(direct.pid)!;
    const b = listeningPorts(wrapper.pid)!;
    assert.equal(a.length, 1);
    assert.equal(a[0]!.host, "127.0.0.1");
    assert.deepEqual([a[0]!.port, b[0]!.port].sort(), [...ports].sort(), "the grandchild's port is found through its parent");
    assert.equal(childrenOf(wrapper.pid!).length, 1);
    assert.ok(childrenOf(process.pid).includes(direct.pid!));
  } finally {
    direct.kill();
    for (const pid of childrenOf(wrapper.pid!)) process.kill(pid);
    wrapper.kill();
  }
});

test("listeningPorts: nothing for a process that listens nowhere, or is gone", { skip: !linux && "reads /proc" }, async () => {
  const quiet = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  try {
    assert.deepEqual(listeningPorts(quiet.pid), []);
  } finally {
    quiet.kill();
  }
  assert.deepEqual(listeningPorts(2 ** 22 + 12345), []);
  assert.equal(listeningPorts(undefined), undefined);
});

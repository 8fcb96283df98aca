/**
 * The Trellis client with its default settings (protocolVersion "auto": server/discover first, initialize when the
 * server's answer says it speaks only older revisions) against the servers a user is likely to meet: fastmcp 4.20
 * over stdio, stateful and stateless Streamable HTTP (it answers server/discover with HTTP 400 and -32000, which
 * once made connect fail); mcp-proxy bridging a stdio server to HTTP; the reference servers everything (stdio and
 * HTTP) and filesystem (stdio). Each connects, lists, calls, and sees progress where the server sends it.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { McpClient, StreamableHttpClientTransport } from "../../src/client/index.js";
import { defaultEnvironment, StdioClientTransport } from "../../src/stdio-client.js";
import type { Transport } from "../../src/jsonrpc/transport.js";
import { connect as connectTcp } from "node:net";
import { freePort, sleep, spawnServer } from "../helpers.js";
import { resolvePeer } from "../peers.js";

const require = createRequire(import.meta.url);
/** Preloaded into the everything server, whose HTTP mode binds every interface: tests stay on loopback. */
const LOOPBACK_ONLY = fileURLToPath(new URL("../fixtures/loopback-only.js", import.meta.url));
const FASTMCP = fileURLToPath(new URL("../fixtures/fastmcp-server.js", import.meta.url));
const EVERYTHING = require.resolve("@modelcontextprotocol/server-everything/dist/index.js");
const FILESYSTEM = require.resolve("@modelcontextprotocol/server-filesystem/dist/index.js");
const MCP_PROXY = resolvePeer("mcp-proxy/dist/bin/mcp-proxy.mjs");
const text = (r: object) => ((r as { content?: { text?: string }[] }).content?.[0]?.text ?? "") as string;

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill();
});

/** A client as a user makes one: no options, so the default protocolVersion ("auto"). */
async function connect(transport: Transport): Promise<McpClient> {
  const client = new McpClient({ name: "interop", version: "1" });
  await client.connect(transport);
  return client;
}

/**
 * Starts an HTTP server on `port` and resolves once it has printed `ready` and accepts connections (mcp-proxy prints
 * its line before it listens); its MCP endpoint is /mcp.
 */
async function http(args: string[], port: number, ready = /listening/, env?: Record<string, string>): Promise<URL> {
  const s = await spawnServer(args, { env, ready: new RegExp(`(${ready.source})`) });
  children.push(s.child);
  for (const end = Date.now() + 30_000; ; ) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connectTcp(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) break;
    if (Date.now() > end) throw new Error(`nothing listens on port ${port}`);
    await sleep(20);
  }
  return new URL(`http://127.0.0.1:${port}/mcp`);
}

/** What every fastmcp transport must carry: tools with arguments and progress, a resource, a prompt. */
async function exerciseFastmcp(client: McpClient): Promise<void> {
  assert.equal(client.protocolVersion, "2025-11-25", "fastmcp 4.x speaks 2025-11-25: the client fell back");
  assert.equal(client.serverInfo?.name, "fastmcp-fixture");
  assert.deepEqual((await client.listAllTools()).map((t) => t.name).sort(), ["add", "count"]);
  assert.equal(text(await client.callTool("add", { a: 2, b: 3 })), "5");
  const progress: number[] = [];
  assert.equal(text(await client.callTool("count", {}, { onprogress: (p) => progress.push(p.progress) })), "counted");
  assert.deepEqual(progress, [1, 2, 3]);
  const read = await client.readResource("file:///greeting.txt");
  assert.equal((read.contents[0] as { text?: string }).text, "hello");
  const prompt = await client.getPrompt("greet", { who: "Ada" });
  assert.match(JSON.stringify(prompt.messages), /Say hello to Ada/);
}

test("fastmcp 4.20 over stdio, with the client's defaults", async () => {
  // The default environment is a safe few variables: the fixture also needs to know where the test peers are.
  const env = { ...defaultEnvironment(), TRELLIS_PEERS: process.env.TRELLIS_PEERS ?? "" };
  const client = await connect(new StdioClientTransport({ command: process.execPath, args: [FASTMCP, "stdio"], env }));
  try {
    await exerciseFastmcp(client);
  } finally {
    await client.close();
  }
});

for (const mode of ["http", "stateless"] as const) {
  test(`fastmcp 4.20 over ${mode === "http" ? "stateful" : "stateless"} Streamable HTTP, with the client's defaults (server/discover refused with HTTP 400 and -32000)`, async () => {
    const port = await freePort();
    const url = await http([FASTMCP, mode, String(port)], port);
    const client = await connect(new StreamableHttpClientTransport(url));
    try {
      await exerciseFastmcp(client);
    } finally {
      await client.close();
    }
  });
}

test("mcp-proxy bridging the everything server's stdio to Streamable HTTP, with the client's defaults", async () => {
  const port = await freePort();
  const url = await http(
    [MCP_PROXY, "--port", String(port), "--host", "127.0.0.1", "--", process.execPath, EVERYTHING, "stdio"],
    port,
    /on port/,
  );
  const client = await connect(new StreamableHttpClientTransport(url));
  try {
    assert.equal(client.serverInfo?.name, "mcp-servers/everything");
    assert.ok((await client.listAllTools()).some((t) => t.name === "echo"));
    assert.equal(text(await client.callTool("echo", { message: "through the proxy" })), "Echo: through the proxy");
  } finally {
    await client.close();
  }
});

test("the everything reference server over stdio and over Streamable HTTP, with the client's defaults", async () => {
  const port = await freePort();
  const url = await http(["--import", LOOPBACK_ONLY, EVERYTHING, "streamableHttp"], port, /listening on port/, { PORT: String(port) });
  for (const transport of [
    new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, "stdio"] }),
    new StreamableHttpClientTransport(url),
  ]) {
    const client = await connect(transport);
    try {
      assert.equal(client.serverInfo?.name, "mcp-servers/everything");
      assert.equal(text(await client.callTool("echo", { message: "hi" })), "Echo: hi");
    } finally {
      await client.close();
    }
  }
});

test("the filesystem reference server over stdio, with the client's defaults", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-fs-"));
  writeFileSync(join(dir, "note.txt"), "filed");
  const client = await connect(new StdioClientTransport({ command: process.execPath, args: [FILESYSTEM, dir] }));
  try {
    assert.equal(client.serverInfo?.name, "secure-filesystem-server");
    const r = await client.callTool("read_text_file", { path: join(dir, "note.txt") });
    assert.equal(text(r), "filed");
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** StdioClientTransport: the server's stderr is split into lines in linear time and bounded memory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { McpClient } from "../../src/client/index.js";
import { StdioClientTransport, StderrTail, stderrLines } from "../../src/transports/stdio-client.js";
import { TrellisError } from "../../src/protocol/errors.js";
import { waitFor } from "../helpers.js";

test("stderrLines: lines across chunks, empty lines, CR kept, long lines in pieces of the limit", () => {
  const cases: { name: string; chunks: string[]; max: number; want: string[] }[] = [
    { name: "one line", chunks: ["abc\n"], max: 10, want: ["abc"] },
    { name: "split across chunks", chunks: ["ab", "c\nde", "f\n"], max: 10, want: ["abc", "def"] },
    { name: "empty lines", chunks: ["\n\nx\n"], max: 10, want: ["", "", "x"] },
    { name: "no newline yet", chunks: ["abc"], max: 10, want: [] },
    { name: "long line without newline", chunks: ["0123456789ab"], max: 5, want: ["01234", "56789"] },
    { name: "long line, then its end", chunks: ["0123456", "7890\n"], max: 5, want: ["01234", "56789", "0"] },
    { name: "long line inside one chunk", chunks: ["0123456789abc\n"], max: 5, want: ["01234", "56789", "abc"] },
  ];
  for (const c of cases) {
    const got: string[] = [];
    const feed = stderrLines((l) => got.push(l), c.max);
    for (const chunk of c.chunks) feed(chunk);
    assert.deepEqual(got, c.want, c.name);
  }
});

test("attack #7: 100 MB of stderr without a newline arrives in bounded pieces while it is written, and the session stays usable", async () => {
  // Old behaviour: everything was held until a newline and rescanned on every chunk (40 MB took 11 s and +421 MB).
  const script = `
    const total = 100 * 1024 * 1024, chunk = "x".repeat(1024 * 1024);
    // Writes to a pipe are synchronous on Linux, so this blocks until the client has read it all.
    for (let sent = 0; sent < total; sent += chunk.length) process.stderr.write(chunk);
    process.stderr.write("\\n");
    process.stdin.on("data", (d) => { for (const line of String(d).split("\\n").filter(Boolean)) { const m = JSON.parse(line); if (m.id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: m.method === "initialize" ? { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "noisy", version: "1" } } : {} }) + "\\n"); } });`;
  let pieces = 0;
  let chars = 0;
  let longest = 0;
  const client = new McpClient({ name: "c", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ["-e", script],
      onstderr: (l) => {
        if (l === "") return; // the newline at the very end, when it arrives after a whole piece
        pieces++;
        chars += l.length;
        longest = Math.max(longest, l.length);
      },
    }),
  );
  try {
    await waitFor(() => chars >= 100 * 1024 * 1024 || undefined, 60_000);
    assert.equal(chars, 100 * 1024 * 1024);
    assert.equal(longest, 64 * 1024, "no piece is longer than the limit");
    assert.equal(pieces, 1600, "delivered in 64 KiB pieces, not held until the newline");
    assert.deepEqual(await client.ping(), {});
  } finally {
    await client.close();
  }
});

test("a server that fails to start: connect fails with its exit code and its last lines on stderr, escapes made visible", async () => {
  const script = `console.error("loading config"); console.error("Error: API_KEY is not set\\x1b]52;c;cGF3bmVk\\x07"); process.exit(3);`;
  const client = new McpClient({ name: "c", version: "1" });
  const err = await client.connect(new StdioClientTransport({ command: process.execPath, args: ["-e", script] })).then(
    () => assert.fail("connected"),
    (e: Error) => e,
  );
  assert.ok(err instanceof TrellisError && err.code === "CONNECTION_CLOSED", String(err));
  assert.match(err.message, /exited with code 3; its last lines on stderr:\n {2}loading config\n {2}Error: API_KEY is not set/);
  assert.ok(!err.message.includes("\x1b"), "no escape character reaches whoever prints the message");
  assert.match(err.message, /\\x1b\]52;c;cGF3bmVk\\x07/);
});

test("a server file that does not exist, and a command that does not exist: the reason, not just 'connection closed'", async () => {
  const missing = new McpClient({ name: "c", version: "1" });
  await assert.rejects(
    missing.connect(new StdioClientTransport({ command: process.execPath, args: ["/nonexistent/server.js"] })),
    /exited with code 1; its last lines on stderr:[\s\S]*Cannot find module '\/nonexistent\/server\.js'/,
  );
  const nothing = new McpClient({ name: "c", version: "1" });
  await assert.rejects(
    nothing.connect(new StdioClientTransport({ command: "/nonexistent/trellis-no-such-command" })),
    /could not start "\/nonexistent\/trellis-no-such-command": spawn \/nonexistent\/trellis-no-such-command ENOENT/,
  );
});

test("a server that exits silently says so; one closed by the client has no reason to report", async () => {
  const client = new McpClient({ name: "c", version: "1" });
  await assert.rejects(
    client.connect(new StdioClientTransport({ command: process.execPath, args: ["-e", "process.exit(0)"] })),
    /the server process exited with code 0 \(it wrote nothing on stderr\)/,
  );
  const tail = new StderrTail();
  for (let i = 0; i < 30; i++) tail.push(`line ${i}`);
  tail.push("x".repeat(1000));
  assert.equal(tail.lines.length, 12, "only the last lines are kept");
  assert.equal(tail.lines.at(-1), `${"x".repeat(300)}…`, "each shortened");
  // A long stack trace keeps its message in view: two frames, then a count.
  const trace = new StderrTail();
  for (const l of [
    "Error: Cannot find module 'x'",
    ...Array.from({ length: 20 }, (_, i) => `    at frame${i} (file.js:${i})`),
    "  code: 'MODULE_NOT_FOUND'",
  ])
    trace.push(l);
  assert.deepEqual(trace.lines, [
    "Error: Cannot find module 'x'",
    "    at frame0 (file.js:0)",
    "    at frame1 (file.js:1)",
    "    … 18 more frames",
    "  code: 'MODULE_NOT_FOUND'",
  ]);
});

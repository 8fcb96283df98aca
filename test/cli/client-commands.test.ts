/**
 * `trellis list | call | read | prompt | tasks` against the everything example over HTTP and over stdio: readable
 * output, `--json` that parses, the documented exit codes, and `call --task` in a real terminal (tmux) drawing a
 * progress bar that advances to 100 %.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/main.js";
import { trellis } from "../fixtures/trellis.js";
import { parseArguments, splitStdio } from "../../src/cli/client-commands.js";
import { spawnServer } from "../helpers.js";

const SERVER = fileURLToPath(new URL("../../examples/everything/server.js", import.meta.url));
const HOSTILE = fileURLToPath(new URL("../fixtures/hostile-server.js", import.meta.url));
/** What the hostile server puts in its strings (test/fixtures/hostile-server.ts; not imported: it serves stdin). */
const EVIL = "\u001b[2J\u001b]52;c;cGF3bmVk\u0007\u009b31m\u202eevil";
const CLI = fileURLToPath(new URL("../../bundle/cli.js", import.meta.url));
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));

let url: string;
let stop: () => void;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trellis-cli-client-"));
  process.env.TRELLIS_CONFIG_DIR = join(dir, "config");
  const s = await spawnServer([SERVER, "--port", "0", "--database", join(dir, "e.db")], { cwd: dir });
  url = s.url;
  stop = () => s.child.kill();
});
after(() => {
  stop?.();
  rmSync(dir, { recursive: true, force: true });
});

test("list: tools, resources, templates and prompts, readable and as JSON", async () => {
  const tools = await trellis("list", url, "tools");
  assert.equal(tools.code, 0, tools.err);
  assert.match(tools.out, /^echo {2}— {2}Echoes its input/m);
  // At 2026-07-28 (the default against this server) the server decides what runs as a task: tools do not say.
  assert.match(tools.out, /^long_running_task {2}— .*[^\]]$/m);
  const old = await trellis("list", url, "tools", "--protocol", "2025-11-25");
  assert.match(old.out, /^long_running_task .*\[task\]$/m);
  // The next run without --protocol negotiates again: the session the 2025-11-25 run kept is not carried into it.
  assert.match((await trellis("list", url, "tools")).out, /^long_running_task {2}— .*[^\]]$/m);
  const json = await trellis("list", url, "tools", "--json");
  const parsed = JSON.parse(json.out) as { name: string }[];
  assert.ok(parsed.some((t) => t.name === "test_simple_text"));
  assert.match((await trellis("list", url, "resources")).out, /^test:\/\/static-text/m);
  assert.match((await trellis("list", url, "templates")).out, /^test:\/\/template\/\{id\}\/data/m);
  assert.match((await trellis("list", url, "prompts")).out, /^test_prompt_with_arguments \(arg1, arg2\)/m);
  const bad = await trellis("list", url, "widgets");
  assert.equal(bad.code, 1);
  assert.match(bad.err, /say what to list: tools \| resources \| templates \| prompts/);
});

test("call: key=value and JSON arguments (typed by the tool's schema), content blocks, structured output as JSON", async () => {
  const hello = await trellis("call", url, "echo", "text=007");
  assert.equal(hello.code, 0, hello.err);
  assert.equal(hello.out, "007\n", "a string property stays a string");
  const json = await trellis("call", url, "echo", '{"text": "hi"}', "--json");
  assert.deepEqual(JSON.parse(json.out).structuredContent, { text: "hi" });
  const image = await trellis("call", url, "test_image_content");
  assert.match(image.out, /^\[image image\/png, \d+ bytes\]$/m);
  const mixed = await trellis("call", url, "test_embedded_resource");
  assert.match(mixed.out, /\[resource test:\/\/embedded-resource text\/plain\]/);
});

test("exit codes: 2 unreachable, 3 an error answer, 4 a tool error, 1 bad usage", async () => {
  const down = await trellis("call", "http://127.0.0.1:1/mcp", "echo", "text=x");
  assert.equal(down.code, 2);
  assert.match(down.err, /could not connect to http:\/\/127\.0\.0\.1:1\/mcp/);
  const unknown = await trellis("call", url, "no_such_tool");
  assert.equal(unknown.code, 3);
  assert.match(unknown.err, /unknown tool "no_such_tool"/);
  const failing = await trellis("call", url, "test_error_handling");
  assert.equal(failing.code, 4);
  assert.match(failing.err, /intentionally returns an error/);
  const noTarget = await trellis("call", "echo", "text=x");
  assert.equal(noTarget.code, 1);
  assert.match(noTarget.err, /name a server: an http\(s\) URL/);
  const badArgs = await trellis("call", url, "echo", "justaword");
  assert.equal(badArgs.code, 1);
  assert.match(badArgs.err, /key=value pairs or one JSON object/);
});

test("read and prompt", async () => {
  assert.equal((await trellis("read", url, "test://static-text")).out, "This is the content of the static text resource.\n");
  assert.match((await trellis("read", url, "test://static-binary")).out, /^\[blob image\/png \d+ bytes\]$/m);
  const missing = await trellis("read", url, "test://nope");
  assert.equal(missing.code, 3);
  const p = await trellis("prompt", url, "test_prompt_with_arguments", "arg1=a", "arg2=b");
  assert.equal(p.out, "user: Prompt with arguments: arg1='a', arg2='b'\n");
  assert.equal(JSON.parse((await trellis("prompt", url, "test_simple_prompt", "--json")).out).messages.length, 1);
});

test("tasks: call --task, then list, watch and result in later runs (the session is kept, 0600); cancel", async () => {
  const t = await trellis("call", url, "resumable_task", "seconds=0.2", "--task", "--json");
  assert.equal(t.code, 0, t.err);
  assert.match(JSON.parse(t.out).content[0].text, /slept 0.2 s/);
  const sessions = join(process.env.TRELLIS_CONFIG_DIR!, "sessions.json");
  assert.equal(statSync(sessions).mode & 0o777, 0o600);
  const list = JSON.parse((await trellis("tasks", "list", url, "--json")).out) as { taskId: string; status: string }[];
  const mine = list.find((x) => x.status === "completed");
  assert.ok(mine, "the task of the earlier run is listed");
  const watch = await trellis("tasks", "watch", url, mine.taskId, "--json");
  assert.equal(watch.code, 0);
  assert.equal(JSON.parse(watch.out).status, "completed");
  const result = await trellis("tasks", "result", url, mine.taskId);
  assert.match(result.out, /slept 0.2 s/);
});

test("tasks cancel: a running task is cancelled; the caller, watch and result then end with exit code 4", async () => {
  const create = run(["call", url, "long_running_task", "seconds=20", "--task"], { out: () => {}, err: () => {} });
  let id: string | undefined;
  for (const end = Date.now() + 30_000; !id && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const list = JSON.parse((await trellis("tasks", "list", url, "--json")).out) as { taskId: string; status: string }[];
    id = list.find((x) => x.status === "working")?.taskId;
  }
  assert.ok(id, "the task is listed while it works");
  const cancel = await trellis("tasks", "cancel", url, id);
  assert.match(cancel.out, /cancelled/);
  assert.equal(await create, 4, "the caller sees the task cancelled");
  const result = await trellis("tasks", "result", url, id);
  assert.equal(result.code, 4, "as the README says: a cancelled task is exit code 4, not an error answer (3)");
  assert.match(result.err, new RegExp(`task ${id} cancelled`));
  assert.equal((await trellis("tasks", "watch", url, id)).code, 4);
});

test("a stdio server after --: list its tools, call one", async () => {
  const tools = await trellis("list", "tools", "--", process.execPath, SERVER, "--stdio", "--database", join(dir, "s.db"));
  assert.equal(tools.code, 0, tools.err);
  assert.match(tools.out, /^echo /m);
  const call = await trellis("call", "echo", "text=over stdio", "--", process.execPath, SERVER, "--stdio", "--database", join(dir, "s.db"));
  assert.equal(call.out, "over stdio\n");
  const broken = await trellis("list", "tools", "--", "/no/such/program");
  assert.equal(broken.code, 2);
});

test("the README's first steps: its trellis lines work as written (against this test's server)", async () => {
  const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
  const lines = [...readme.slice(0, readme.indexOf("## A server in ten lines")).matchAll(/^npx trellis (.+)$/gm)].map((m) => m[1]!);
  assert.ok(lines.length >= 2, "the first steps show trellis lines");
  for (const line of lines.map((l) => l.replace(/\s+#.*$/, ""))) {
    const argv = line.split(" ").map((a) => (a === "http://127.0.0.1:3000/mcp" ? url : a));
    if (argv[0] === "inspect") {
      // It serves until stopped: its first line is the dashboard's address.
      const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "ignore"] });
      const first = await new Promise<string>((resolve) => {
        let out = "";
        child.stdout!.on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve(out.split("\n")[0]!);
        });
      });
      child.kill("SIGTERM");
      assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/, line);
      continue;
    }
    const r = await trellis(...argv);
    assert.equal(r.code, 0, `${line}: ${r.err}`);
    assert.ok(r.out.length > 0, line);
  }
});

test("what a server says reaches the terminal made visible: names, descriptions, text, errors; --json escapes the rest and means the same", async () => {
  const hostile = [process.execPath, HOSTILE];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what must never be printed
  const raw = /[\u001b\u0007\u009b\u202e]/;
  const list = await trellis("list", "tools", "--", ...hostile);
  assert.equal(list.code, 0, list.err);
  assert.doesNotMatch(list.out + list.err, raw);
  assert.match(list.out, /^evil {2}— {2}evil\\u\{1b\}\[2J\\u\{1b\}\]52;c;cGF3bmVk\\u\{7\}\\u\{9b\}31m\\u\{202e\}evil$/m);
  const call = await trellis("call", "evil", "--", ...hostile);
  assert.equal(call.code, 0, call.err);
  assert.doesNotMatch(call.out, raw);
  assert.match(call.out, /^line one.*\n^line two$/m);
  const json = await trellis("list", "tools", "--json", "--", ...hostile);
  assert.doesNotMatch(json.out, raw, "not even C1 or bidi characters, which JSON.stringify leaves as they are");
  assert.equal(
    (JSON.parse(json.out) as { description: string }[])[0]!.description,
    `evil${EVIL}`,
    "the JSON still says exactly what the server said",
  );
  const broken = await trellis("call", "broken", "--", ...hostile);
  assert.doesNotMatch(broken.out, /\[object Object\]/);
  assert.match(broken.out, /\[invalid text block: \{\}\]/);
  const unknown = await trellis("read", "test://x", "--", ...hostile);
  assert.equal(unknown.code, 3);
  assert.doesNotMatch(unknown.err, raw);
  assert.match(unknown.err, /no such method\\u\{1b\}/);
  assert.doesNotMatch(unknown.err, /^trellis: your sign-in/m, "a server's line break cannot start a line of its own");
});

test("parseArguments and splitStdio", () => {
  assert.deepEqual(parseArguments(["n=3", "flag=true", "list=[1,2]", "word=hello"]), { n: 3, flag: true, list: [1, 2], word: "hello" });
  assert.deepEqual(parseArguments(['{"a":{"b":1}}']), { a: { b: 1 } });
  assert.throws(() => parseArguments(["{nope"]), /not valid JSON/);
  assert.deepEqual(splitStdio(["list", "tools", "--", "node", "s.js", "--x"]), { argv: ["list", "tools"], stdio: ["node", "s.js", "--x"] });
});

test("call --task in a terminal (tmux): the bar advances and ends at 100 %", { timeout: 60_000 }, async () => {
  const socket = `trellis-cli-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const cmd = `TRELLIS_CONFIG_DIR=${join(dir, "tmux-config")} ${process.execPath} ${CLI} call ${url} long_running_task seconds=3 --task; echo "[exit $?]"; sleep 30`;
  tmux("new-session", "-d", "-s", "bar", "-x", "80", "-y", "20", cmd);
  try {
    const seen = new Set<number>();
    let screen = "";
    for (const end = Date.now() + 20_000; Date.now() < end; ) {
      screen = tmux("capture-pane", "-p", "-t", "bar");
      for (const m of screen.matchAll(/\] +(\d+)%/g)) seen.add(Number(m[1]));
      if (screen.includes("[exit ")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(screen, /\[#{30}\] 100%/, screen);
    assert.match(screen, /finished 10 steps in 3 s/);
    assert.match(screen, /\[exit 0\]/);
    const partial = [...seen].filter((p) => p > 0 && p < 100);
    assert.ok(partial.length >= 2, `the bar was seen between 0 and 100 % (${[...seen]})`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "cli-call-task.txt"), screen);
  } finally {
    tmux("kill-server");
  }
});

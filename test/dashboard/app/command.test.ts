import { test } from "node:test";
import assert from "node:assert/strict";
import { splitCommand } from "../../../src/dashboard/app/command.js";

test("splitCommand: words as a shell splits them, quotes kept together, nothing expanded", () => {
  for (const [line, words] of [
    [
      `node -e "console.error('boom: missing API_KEY'); process.exit(1)"`,
      ["node", "-e", "console.error('boom: missing API_KEY'); process.exit(1)"],
    ],
    [`npx -y @modelcontextprotocol/server-filesystem /tmp`, ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"]],
    [`  python3   -m  server  `, ["python3", "-m", "server"]],
    [`echo 'it''s' "say \\"hi\\" \\\\ \\n"`, ["echo", "its", 'say "hi" \\ \\n']],
    [`run my\\ file.txt \\"quoted\\"`, ["run", "my file.txt", '"quoted"']],
    [`C:\\tools\\server.exe --root C:\\data`, ["C:\\tools\\server.exe", "--root", "C:\\data"]],
    [`echo $HOME ~ *.js '' ""`, ["echo", "$HOME", "~", "*.js", "", ""]],
    [``, []],
  ] as const)
    assert.deepEqual(splitCommand(line), { words }, line);
});

test("splitCommand: an unclosed quote is an error, not a guess", () => {
  assert.deepEqual(splitCommand(`node -e "console.log(1)`), { error: 'a " quote is not closed' });
  assert.deepEqual(splitCommand(`echo 'half`), { error: "a ' quote is not closed" });
});

/** sign-in.ts: the message that names what a server asked for and the login that gets it (the flows: auth.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { signInMessage } from "../../src/cli/sign-in.js";

test("signInMessage: no sign-in kept, or one short of the scopes the server asks for", () => {
  const url = new URL("https://mcp.example.com/mcp");
  assert.equal(signInMessage(url, {}), "https://mcp.example.com/mcp needs a sign-in: run  trellis auth login https://mcp.example.com/mcp");
  assert.equal(
    signInMessage(url, { scope: "files:read" }),
    "https://mcp.example.com/mcp needs a sign-in: run  trellis auth login https://mcp.example.com/mcp --scope files:read",
  );
  assert.equal(
    signInMessage(url, { scope: "a b", held: "a" }),
    `https://mcp.example.com/mcp asks for the scopes "a b", more than your sign-in holds ("a"): run  trellis auth login https://mcp.example.com/mcp --scope 'a b'`,
  );
});

test("signInMessage: a hostile server's scopes never become a command to paste; a URL with shell characters is quoted", () => {
  const url = new URL("http://127.0.0.1:1/mcp");
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell's ${IFS}, as a hostile server would send it
  const hostile = signInMessage(url, { scope: "read $(touch${IFS}/tmp/pwned) `id`" });
  assert.doesNotMatch(hostile, /--scope .*\$\(/, "never a --scope with the server's words to paste");
  assert.match(hostile, /its scopes are not plain tokens, so no command is offered/);
  assert.ok(!signInMessage(url, { scope: "a\u001b[2J b", held: "a" }).includes("\u001b"));
  assert.match(signInMessage(new URL("http://127.0.0.1:1/m$(x)"), {}), /trellis auth login 'http:\/\/127\.0\.0\.1:1\/m\$\(x\)'$/);
});

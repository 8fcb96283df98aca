/** sign-in.ts: the message that names what a server asked for and the login that gets it (the flows: auth.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { signInMessage } from "../../src/cli/sign-in.js";

test("signInMessage: no sign-in kept, or one short of the scopes the server asks for", () => {
  const url = new URL("https://mcp.example.com/mcp");
  assert.equal(signInMessage(url, {}), "https://mcp.example.com/mcp needs a sign-in: run  trellis auth login https://mcp.example.com/mcp");
  assert.equal(
    signInMessage(url, { scope: "files:read" }),
    'https://mcp.example.com/mcp needs a sign-in: run  trellis auth login https://mcp.example.com/mcp --scope "files:read"',
  );
  assert.equal(
    signInMessage(url, { scope: "a b", held: "a" }),
    'https://mcp.example.com/mcp asks for the scopes "a b", more than your sign-in holds ("a"): run  trellis auth login https://mcp.example.com/mcp --scope "a b"',
  );
});

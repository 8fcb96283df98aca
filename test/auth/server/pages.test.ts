import { test } from "node:test";
import assert from "node:assert/strict";
import { consentPage, loginPage } from "../../../src/auth/server/pages.js";

test("pages escape everything a client or a request chose, and carry the CSRF token in every form", () => {
  const client = {
    clientId: "https://evil.example/c.json",
    name: `<script>alert(1)</script>`,
    kind: "metadata-document" as const,
    redirectUri: "http://127.0.0.1:9/cb",
  };
  const login = loginPage({ client, txn: "t", csrf: 'c"><x', action: "http://as/authorize/login", username: `"><img src=x>` });
  assert.ok(!login.includes("<script>alert"));
  assert.ok(!login.includes(`"><img`));
  assert.match(login, /name="csrf" value="c&#34;&#62;&#60;x"/);
  assert.match(login, /evil\.example/, "a metadata-document client shows its host");
  const consent = consentPage({
    client,
    user: "alice",
    resource: "http://mcp/<x>",
    scopes: ["read"],
    refused: ["write"],
    txn: "t",
    csrf: "c",
    action: "/c",
  });
  assert.match(consent, /name="csrf" value="c"/);
  assert.match(consent, /value="approve"[\s\S]*value="deny"/);
  assert.match(consent, /Not granted[\s\S]*write/);
  assert.ok(!consent.includes("<x>"));
});

test("clients the operator did not configure are marked unverified on both pages: a registered one with its client id, a metadata document with its host", () => {
  const page = (kind: "configured" | "registered" | "metadata-document", clientId: string) => {
    const client = { clientId, name: "Conformance client", kind, redirectUri: "http://127.0.0.1:9/cb" };
    return [
      loginPage({ client, txn: "t", csrf: "c", action: "/l" }),
      consentPage({ client, user: "alice", resource: "http://mcp", scopes: [], refused: [], txn: "t", csrf: "c", action: "/c" }),
    ];
  };
  for (const p of page("configured", "conformance")) assert.doesNotMatch(p, /Unverified|client id/);
  for (const p of page("registered", "dcr_<x>")) {
    assert.match(p, /Unverified application/);
    assert.match(p, /client id <code>dcr_&#60;x&#62;<\/code>/);
  }
  for (const p of page("metadata-document", "https://tools.example/c.json")) {
    assert.match(p, /\(tools\.example\)/);
    assert.match(p, /Unverified application.*tools\.example/);
  }
});

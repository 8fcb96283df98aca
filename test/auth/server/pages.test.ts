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

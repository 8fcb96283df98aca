import { test } from "node:test";
import assert from "node:assert/strict";
import { consentPage, grantsPage, loginPage } from "../../../src/auth/server/pages.js";

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

test("a name that imitates a configured application is not shown: the client id stands in, and the page says why", () => {
  const client = { clientId: "dcr_<x>", kind: "registered" as const, imitation: true, redirectUri: "http://127.0.0.1:9/cb" };
  for (const p of [
    loginPage({ client, txn: "t", csrf: "c", action: "/l" }),
    consentPage({ client, user: "alice", resource: "http://mcp", scopes: [], refused: [], txn: "t", csrf: "c", action: "/c" }),
  ]) {
    assert.match(p, /<strong>dcr_&#60;x&#62;<\/strong>/);
    assert.match(p, /name hidden: it imitates an application configured on this server/);
    assert.match(p, /Unverified application/);
  }
});

test("the grants page marks clients the operator did not configure as on the sign-in pages: unverified, with the client id or host", () => {
  const grant = (client: {
    clientId: string;
    kind: "configured" | "registered" | "metadata-document";
    name?: string;
    imitation?: boolean;
  }) => ({
    id: `g ${client.clientId}`,
    client,
    resource: "http://mcp",
    scopes: ["mcp:read"],
    grantedAt: "2026-01-02T03:04:05Z",
  });
  const rowOf = (html: string, id: string) => html.split("<tr>").find((r) => r.includes(`value="g ${id}"`))!;
  const html = grantsPage({
    user: "alice",
    csrf: "c",
    action: "/r",
    grants: [
      grant({ clientId: "app", kind: "configured", name: "Test app" }),
      grant({ clientId: "dcr_1", kind: "registered", name: "Friendly <b>app</b>" }),
      grant({ clientId: "https://tools.example/c.json", kind: "metadata-document", name: "Tools" }),
      grant({ clientId: "dcr_2", kind: "registered", imitation: true }),
    ],
  });
  assert.doesNotMatch(rowOf(html, "app"), /Unverified|client id/);
  assert.match(rowOf(html, "app"), /<strong>Test app<\/strong>/);
  assert.match(
    rowOf(html, "dcr_1"),
    /<strong>Friendly &#60;b&#62;app&#60;\/b&#62;<\/strong> <span class="muted">\(unverified, client id <code>dcr_1<\/code>\)<\/span>/,
  );
  assert.match(rowOf(html, "dcr_1"), /Unverified application/);
  assert.match(
    rowOf(html, "https://tools.example/c.json"),
    /<strong>Tools<\/strong> <span class="muted">\(tools\.example\)<\/span>.*Unverified application/,
  );
  assert.match(rowOf(html, "dcr_2"), /<strong>dcr_2<\/strong>.*name hidden: it imitates/);
});

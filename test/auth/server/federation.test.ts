/**
 * Upstream OpenID Connect federation: the sign-in page offers the IdP; the browser goes there and back; the ID
 * token names the user, whose groups map to roles; the MCP client gets this server's token, never the upstream's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OAuthClient, authorizationCodeFlow } from "../../../src/auth/index.js";
import { oidcFederation } from "../../../src/auth/server/index.js";
import { FormBrowser, formOf } from "../../fixtures/form-browser.js";
import { mcpClient, protectedServer } from "../../fixtures/auth-server.js";
import { startOidcIdp } from "../../fixtures/oidc-idp.js";

/** Walks the pages by HTTP: the IdP's button, the IdP (which signs carol in), back, then Approve. */
async function federatedWalk(url: string | URL, pages: string[] = []): Promise<string> {
  const b = new FormBrowser();
  const login = await (await b.get(String(url))).text();
  pages.push(login);
  const form = formOf(login)!;
  let r = await b.post(form.action, { ...form.fields, idp: "corp" });
  for (let hop = 0; hop < 4 && (r.status === 302 || r.status === 303); hop++) {
    const next = r.headers.get("location")!;
    if (!next.includes("/authorize") && !next.includes("/callback")) return next;
    r = await b.get(next);
  }
  const page = await r.text();
  pages.push(page);
  if (r.status !== 200) throw new Error(`${r.status}: ${page.replace(/<[^>]+>/g, " ").trim()}`);
  const consent = formOf(page)!;
  const done = await b.post(consent.action, { ...consent.fields, decision: "approve" });
  return done.headers.get("location")!;
}

test("federation: sign in with the upstream IdP, groups become roles, the token is this server's", async () => {
  const idp = await startOidcIdp({ clientId: "trellis", clientSecret: "upstream-secret" });
  const s = await protectedServer({
    users: undefined,
    federation: [
      oidcFederation({ issuer: idp.issuer, clientId: "trellis", clientSecret: "upstream-secret", name: "corp", allowInsecureHttp: true }),
    ],
    groupRoles: { engineering: ["writer"] },
  });
  try {
    const pages: string[] = [];
    const auth = new OAuthClient({
      flow: authorizationCodeFlow({
        redirectUri: "http://127.0.0.1:9/callback",
        client: { clientId: "app" },
        authorize: (url) => federatedWalk(url, pages),
      }),
    });
    const client = await mcpClient(s.url, auth);
    assert.equal(((await client.callTool("write_note", {})).content[0] as { text: string }).text, "written");
    assert.match(((await client.callTool("whoami", {})).content[0] as { text: string }).text, /^corp:u-123 /);
    await client.close();
    assert.match(pages[0]!, /Sign in with corp/);
    assert.ok(!pages[0]!.includes('name="password"'), "no password form without local users");
    const up = idp.seen[0]!;
    assert.equal(up.code_challenge_method, "S256");
    assert.ok(up.nonce && up.state);
    assert.equal(up.redirect_uri, `${s.as.issuer}/authorize/callback`);
    const login = s.audit.events.find((e) => e.type === "login")!;
    assert.deepEqual([login.subject, login.idp], ["corp:u-123", idp.issuer]);
    assert.ok(!JSON.stringify(s.audit.events).includes("upstream-at"), "the upstream token is not kept");
  } finally {
    await s.close();
    await idp.close();
  }
});

test("federation: an ID token with the wrong nonce signs no one in", async () => {
  const idp = await startOidcIdp({ clientId: "trellis", clientSecret: "upstream-secret", wrongNonce: true });
  const s = await protectedServer({
    users: undefined,
    federation: [
      oidcFederation({ issuer: idp.issuer, clientId: "trellis", clientSecret: "upstream-secret", name: "corp", allowInsecureHttp: true }),
    ],
  });
  try {
    const u = new URL(`${s.as.issuer}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id: "app",
      redirect_uri: "http://127.0.0.1:9/callback",
      code_challenge: "a".repeat(43),
      code_challenge_method: "S256",
      resource: s.url,
    }))
      u.searchParams.set(k, v);
    await assert.rejects(federatedWalk(u), /401: .*did not sign you in.*nonce/s);
    assert.equal(s.audit.events.find((e) => e.type === "login_failed")!.outcome, "upstream_refused");
    assert.equal(s.audit.events.filter((e) => e.type === "login").length, 0);
  } finally {
    await s.close();
    await idp.close();
  }
});

test("oidcFederation checks its configuration", () => {
  assert.throws(() => oidcFederation({ issuer: "http://idp.example", clientId: "c" }), /must be https/);
  assert.throws(() => oidcFederation({ issuer: "nope", clientId: "c" }), /issuer \(a URL\) and clientId/);
});

/**
 * Dynamic Client Registration and the names clients give themselves: a registered (or metadata-document) client
 * cannot take a configured application's name, however it spells it, and the pages mark it as unverified.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { FormBrowser } from "../../fixtures/form-browser.js";
import { protectedServer, type ProtectedSetup } from "../../fixtures/auth-server.js";

const REDIRECT = "http://127.0.0.1:7777/callback";

const register = async (s: ProtectedSetup, clientName: string) => {
  const r = await fetch(`${s.as.issuer}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: clientName, redirect_uris: ["http://127.0.0.1/callback"], token_endpoint_auth_method: "none" }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, string> };
};

function authorizeUrl(s: ProtectedSetup, clientId: string): string {
  const u = new URL(`${s.as.issuer}/authorize`);
  const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: s.url,
  }))
    u.searchParams.set(k, v);
  return u.href;
}

test("a registration cannot take a configured application's name or id, in any case, spacing or compatibility form", async () => {
  const s = await protectedServer({ dcr: { perMinute: 100 } }); // the fixture configures "app", named "Test app"
  try {
    for (const name of [
      "Test app",
      "Test app ",
      " test APP",
      "TEST\u00a0\u00a0app",
      "Test\u200b app",
      "\uff34\uff45\uff53\uff54\u3000\uff41\uff50\uff50", // full-width "Ｔｅｓｔ　ａｐｐ"
      "APP",
      // Default-ignorable characters of other classes than Cf and Cc, and blank look-alikes that are not \s:
      "Test app\u034F", // combining grapheme joiner
      "Test app\uFE0F", // variation selector
      "Test\u3164app", // Hangul filler
      "Test\u2800app", // braille blank
    ]) {
      const r = await register(s, name);
      assert.deepEqual([r.status, r.body.error], [400, "invalid_client_metadata"], JSON.stringify(name));
      assert.match(r.body.error_description!, /is the name of an application configured on this server; choose another name/);
    }
    const ok = await register(s, "Test app 2");
    assert.equal(ok.status, 201);
    assert.equal(ok.body.client_name, "Test app 2");
  } finally {
    await s.close();
  }
});

test("a registered client's sign-in and consent pages mark it as unverified, with its client id; a configured one's do not", async () => {
  const s = await protectedServer({ dcr: true });
  try {
    const { body } = await register(s, "Friendly <b>app</b>");
    const pages: string[] = [];
    const to = await new FormBrowser().authorize(authorizeUrl(s, body.client_id!), {
      username: "alice",
      password: "alice-demo-password",
      onPage: (html) => pages.push(html),
    });
    assert.ok(new URL(to).searchParams.get("code"));
    assert.equal(pages.length, 2, "sign-in, then consent");
    for (const page of pages) {
      assert.match(page, /Unverified application/);
      assert.ok(page.includes(`client id <code>${body.client_id}</code>`), "the client id is shown");
      assert.ok(page.includes("Friendly &#60;b&#62;app&#60;/b&#62;") && !page.includes("<b>app"), "the name is escaped");
    }
    const configured: string[] = [];
    await new FormBrowser().authorize(authorizeUrl(s, "app"), {
      username: "alice",
      password: "alice-demo-password",
      onPage: (html) => configured.push(html),
    });
    for (const page of configured) assert.doesNotMatch(page, /Unverified/);
  } finally {
    await s.close();
  }
});

test("a metadata document cannot claim a configured application's name; an accepted one is shown with its host, as unverified", async () => {
  const docs: Record<string, object> = {
    "https://evil.example/c.json": { client_name: "TEST APP", redirect_uris: [REDIRECT] },
    "https://tools.example/c.json": { client_name: "Tools", redirect_uris: [REDIRECT] },
  };
  const fakeFetch = (async (url: string | URL) =>
    new Response(JSON.stringify({ client_id: String(url), ...docs[String(url)] }), {
      headers: { "content-type": "application/json" },
    })) as typeof fetch;
  const s = await protectedServer({ cimd: { fetch: fakeFetch } });
  try {
    const refused = await fetch(authorizeUrl(s, "https://evil.example/c.json"), { redirect: "manual" });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /is the name of an application configured on this server/);
    const page = await (await fetch(authorizeUrl(s, "https://tools.example/c.json"))).text();
    assert.match(page, /<strong>Tools<\/strong> <span class="muted">\(tools\.example\)<\/span>/);
    assert.match(page, /Unverified application.*published by <strong>tools\.example<\/strong>/);
  } finally {
    await s.close();
  }
});

test("a name kept from before the rules, or taken before a configured client bore it, is checked again on every page that shows it", async () => {
  const s = await protectedServer({ dcr: true }); // the fixture configures "app", named "Test app"
  try {
    // Registrations stored as sent, never cleaned or compared: one reads as the configured "Test app" once its
    // right-to-left override is gone, one is another name with a Hangul filler and an override in it.
    const legacy = (clientId: string, clientName: string) =>
      s.as.store.put("client", clientId, {
        clientId,
        kind: "registered",
        clientName,
        redirectUris: [REDIRECT],
        grantTypes: ["authorization_code", "refresh_token"],
        authMethod: "none",
      });
    await legacy("dcr_legacy", "Test app\u202E");
    await legacy("dcr_other", "Friendly\u3164app\u202E");
    const browser = new FormBrowser();
    const pages: string[] = [];
    const to = await browser.authorize(authorizeUrl(s, "dcr_legacy"), {
      username: "alice",
      password: "alice-demo-password",
      onPage: (html) => pages.push(html),
    });
    assert.ok(new URL(to).searchParams.get("code"));
    await browser.authorize(authorizeUrl(s, "dcr_other"), {
      username: "alice",
      password: "alice-demo-password",
      onPage: (html) => pages.push(html),
    });
    const grants = await (await browser.get(`${s.as.issuer}/authorize/grants`)).text();
    for (const page of [...pages, grants]) {
      assert.doesNotMatch(page, /[\u202E\u3164]/u, "no override or filler reaches a page");
      assert.doesNotMatch(page, /<strong>Test app<\/strong>/, "the imitation is never shown as the name");
    }
    assert.equal(pages.length, 3, "sign-in and consent, then (signed in) consent");
    for (const page of [pages[0]!, pages[1]!, grants])
      assert.match(
        page,
        /<strong>dcr_legacy<\/strong> <span class="muted">\(unverified, client id <code>dcr_legacy<\/code>\)<\/span> <span class="muted">\(name hidden: it imitates an application configured on this server\)/,
      );
    for (const page of [pages[2]!, grants])
      assert.match(page, /<strong>Friendly app<\/strong> <span class="muted">\(unverified, client id <code>dcr_other<\/code>\)/);
    assert.equal(grants.match(/Unverified application/g)?.length, 2, "both grants are marked");
  } finally {
    await s.close();
  }
});

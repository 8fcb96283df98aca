import { test } from "node:test";
import assert from "node:assert/strict";
import { type OAuthError, escapeHtml, readForm, sameSecret, cookie } from "../../../src/auth/server/http.js";

const form = (body: string, type = "application/x-www-form-urlencoded") =>
  new Request("http://x/", { method: "POST", headers: { "content-type": type }, body });

test("readForm: a repeated parameter, another content type, or an oversized body is an OAuth error", async () => {
  assert.deepEqual({ ...(await readForm(form("a=1&b=2"))) }, { a: "1", b: "2" });
  await assert.rejects(readForm(form("a=1&a=2")), (e: OAuthError) => e.error === "invalid_request" && /more than once/.test(e.message));
  await assert.rejects(readForm(form("{}", "application/json")), /x-www-form-urlencoded/);
  await assert.rejects(readForm(form(`a=${"x".repeat(70_000)}`)), (e: OAuthError) => e.status === 413);
  const proto = await readForm(form("__proto__=1&constructor=2"));
  assert.equal(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, "1", "a plain record: no prototype to pollute");
  assert.equal(Object.getPrototypeOf(proto), null);
});

test("sameSecret, escapeHtml, cookie", () => {
  assert.equal(sameSecret("abc", "abc"), true);
  assert.equal(sameSecret("abc", "abd"), false);
  assert.equal(sameSecret("abc", "abcd"), false);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
  const r = new Request("http://x/", { headers: { cookie: "a=1; trellis_as_browser=xyz; b=2" } });
  assert.equal(cookie(r, "trellis_as_browser"), "xyz");
  assert.equal(cookie(r, "c"), undefined);
});

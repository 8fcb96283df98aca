/** The sandbox proxy page: its CSP header comes from the declared domains, rebuilt, never looser; only the host may frame it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_VIEW_CSP, sandboxProxyHtml, sandboxResponse } from "../../../src/ext/apps/index.js";

const HOST = "http://127.0.0.1:3000";

test("no csp parameter: the default policy; with one: the spec's formula; frame-ancestors is the host", async () => {
  const plain = sandboxResponse(new Request("http://127.0.0.1:4000/sandbox.html"), [HOST]);
  assert.equal(plain.headers.get("content-security-policy"), `${DEFAULT_VIEW_CSP}; frame-ancestors ${HOST}`);
  assert.equal(plain.headers.get("cache-control"), "no-store");
  assert.match(await plain.text(), /sandbox-proxy-ready/);
  const csp = encodeURIComponent(JSON.stringify({ connectDomains: ["https://api.example.com", "*", "'unsafe-eval'"] }));
  const declared = sandboxResponse(new Request(`http://127.0.0.1:4000/sandbox.html?csp=${csp}`), [HOST]);
  const policy = declared.headers.get("content-security-policy")!;
  assert.match(policy, /connect-src 'self' https:\/\/api\.example\.com;/);
  assert.doesNotMatch(policy, /unsafe-eval|connect-src[^;]*\*/);
  assert.equal(sandboxResponse(new Request("http://127.0.0.1:4000/sandbox.html?csp=%7Bnope"), [HOST]).status, 400);
});

test("the proxy page checks who frames it, forwards only between the host and its inner frame, and keeps sandbox messages to itself", () => {
  const html = sandboxProxyHtml([HOST, "</script><script>alert(1)</script>"]);
  assert.match(html, /"http:\/\/127\.0\.0\.1:3000"/);
  assert.doesNotMatch(html, /<\/script><script>alert/);
  assert.match(html, /e\.source === window\.parent && e\.origin === host/);
  assert.match(html, /e\.source === inner\.contentWindow && e\.origin === own && !internal\(d\)/);
  assert.match(html, /allow-scripts allow-same-origin allow-forms/);
  assert.match(html, /if \(loaded\) return;/);
});

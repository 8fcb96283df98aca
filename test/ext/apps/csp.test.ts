/** The view CSP: the spec's default, the formula over declared domains, and nothing looser ever granted. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_VIEW_CSP, allowAttribute, buildCsp } from "../../../src/ext/apps/csp.js";

test("no declared csp gives the spec's restrictive default", () => {
  const { policy, dropped } = buildCsp(undefined);
  assert.equal(policy, DEFAULT_VIEW_CSP);
  assert.match(policy, /connect-src 'none'/);
  assert.match(policy, /default-src 'none'/);
  assert.deepEqual(dropped, []);
});

test("declared domains map to their directives by the spec's formula", () => {
  const { policy } = buildCsp({
    connectDomains: ["https://api.example.com"],
    resourceDomains: ["https://cdn.example.com", "https://*.fonts.example.com"],
    frameDomains: ["https://www.youtube.com"],
    baseUriDomains: ["https://example.com"],
  });
  assert.equal(
    policy,
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.example.com https://*.fonts.example.com; style-src 'self' 'unsafe-inline' https://cdn.example.com https://*.fonts.example.com; connect-src 'self' https://api.example.com; img-src 'self' data: https://cdn.example.com https://*.fonts.example.com; font-src 'self' https://cdn.example.com https://*.fonts.example.com; media-src 'self' data: https://cdn.example.com https://*.fonts.example.com; frame-src https://www.youtube.com; object-src 'none'; base-uri https://example.com",
  );
  assert.match(buildCsp({}).policy, /frame-src 'none'; object-src 'none'; base-uri 'self'$/);
});

test("anything that would loosen the policy or break out of it is dropped, with the reason", () => {
  const hostile = [
    "*",
    "'unsafe-eval'",
    "https://a.com 'unsafe-eval'",
    "https://a.com; script-src *",
    "data:",
    "blob:",
    "javascript:alert(1)",
    "http://evil.example.com",
    "https://a.com/path",
    "https://*.com",
    42,
  ];
  const { policy, granted, dropped } = buildCsp({ connectDomains: hostile as string[], resourceDomains: ["https://ok.example.com"] });
  assert.deepEqual(granted.connectDomains, []);
  assert.equal(dropped.length, hostile.length);
  for (const h of ["unsafe-eval", "script-src *", " * ", "data:;", "blob:", "evil", "javascript", "/path", "*.com"])
    assert.ok(!policy.includes(h), h);
  assert.match(policy, /connect-src 'self';/);
  // wildcards only for resources; a non-list is dropped
  const w = buildCsp({ connectDomains: ["https://*.example.com"], frameDomains: "https://x.com" as never });
  assert.deepEqual(w.granted.connectDomains, []);
  assert.deepEqual(
    w.dropped.map((d) => d.reason),
    ["wildcards are for resourceDomains only", "must be a list of origins"],
  );
  // loopback may use http; duplicates are granted once; frame-ancestors from the host's origins
  const l = buildCsp(
    { connectDomains: ["http://127.0.0.1:8080", "http://127.0.0.1:8080"] },
    { frameAncestors: ["http://127.0.0.1:3000", "bad"] },
  );
  assert.deepEqual(l.granted.connectDomains, ["http://127.0.0.1:8080"]);
  assert.match(l.policy, /; frame-ancestors http:\/\/127\.0\.0\.1:3000$/);
});

test("permissions become the iframe allow attribute", () => {
  assert.equal(allowAttribute({ camera: {}, clipboardWrite: {} }), "camera; clipboard-write");
  assert.equal(allowAttribute(undefined), "");
  assert.equal(allowAttribute({ bogus: {} } as never), "");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLink } from "../../src/dashboard/links.js";

test("checkLink opens https anywhere, and plain http only to this machine", () => {
  for (const [url, host] of [
    ["https://example.com/pay?x=1", "example.com"],
    ["https://example.com:8443/", "example.com:8443"],
    ["http://127.0.0.1:8080/callback", "127.0.0.1:8080"],
    ["http://127.9.8.7/", "127.9.8.7"],
    ["http://127.1/", "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1"],
    ["http://localhost:3000/", "localhost:3000"],
    ["http://[::1]:9/", "[::1]:9"],
    ["http://[0:0:0:0:0:0:0:1]/", "[::1]"],
  ]) {
    const r = checkLink(url!);
    assert.ok(r.ok, `${url} is opened`);
    assert.equal(r.host, host);
  }
});

test("checkLink refuses other schemes, plain http elsewhere, credentials in the URL and what is not a URL — saying why", () => {
  for (const [url, why] of [
    ["javascript:alert(document.domain)", /scheme is javascript:/],
    [" JavaScript:alert(1)", /scheme is javascript:/],
    ["data:text/html,<script>alert(1)</script>", /scheme is data:/],
    ["file:///etc/passwd", /scheme is file:/],
    ["vbscript:msgbox(1)", /scheme is vbscript:/],
    ["ftp://example.com/", /scheme is ftp:/],
    ["http://example.com/", /plain http to example\.com/],
    ["http://127.0.0.1.evil.example/", /plain http to 127\.0\.0\.1\.evil\.example/],
    ["http://localhost.evil.example/", /plain http/],
    ["http://[::ffff:127.0.0.1]/", /plain http/],
    ["http://0.0.0.0/", /plain http/],
    ["https://user:pass@example.com/", /user name or password/],
    ["https://bank.example@evil.example/", /user name or password/],
    ["http://admin@127.0.0.1/", /user name or password/],
    ["not a url", /not a valid absolute URL/],
    ["/relative/path", /not a valid absolute URL/],
    ["", /not a valid absolute URL/],
  ] as const) {
    const r = checkLink(url);
    assert.equal(r.ok, false, `${JSON.stringify(url)} is refused`);
    assert.match((r as { reason: string }).reason, why, url);
  }
});

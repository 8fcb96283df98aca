/** Shared Apps rules: view URIs and visibility read from tools, declared domains, and what counts as an HTML document. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDomain, htmlProblem, viewUriOf, visibilityOf } from "../../../src/ext/apps/apps.js";

test("a tool's view comes from _meta.ui.resourceUri, else the legacy key; only ui:// URIs count", () => {
  assert.equal(viewUriOf({ _meta: { ui: { resourceUri: "ui://a/b" } } }), "ui://a/b");
  assert.equal(viewUriOf({ _meta: { "ui/resourceUri": "ui://legacy" } }), "ui://legacy");
  assert.equal(viewUriOf({ _meta: { ui: { resourceUri: "https://evil/x" } } }), undefined);
  assert.equal(viewUriOf({}), undefined);
});

test("visibility defaults to both; unknown entries are ignored", () => {
  assert.deepEqual(visibilityOf({}), ["model", "app"]);
  assert.deepEqual(visibilityOf({ _meta: { ui: { visibility: ["app"] } } }), ["app"]);
  assert.deepEqual(visibilityOf({ _meta: { ui: { visibility: [] } } }), ["model", "app"]);
  assert.deepEqual(visibilityOf({ _meta: { ui: { visibility: ["app", "admin"] } } }), ["app"]);
});

test("declared domains are origins, https unless loopback", () => {
  for (const ok of [
    "https://a.com",
    "https://*.example.com",
    "https://a.com:8443",
    "http://localhost:3000",
    "http://127.0.0.1",
    "http://[::1]:80",
  ])
    assert.equal(checkDomain(ok), undefined, ok);
  for (const bad of ["*", "https://a.com/", "ftp://a.com", "http://a.com", "https://a.com x", "'self'", "https://*.com", "", 7])
    assert.ok(checkDomain(bad), String(bad));
  // WebSockets: wss (ws for loopback) among connectDomains only.
  assert.equal(checkDomain("wss://realtime.example.com", "connectDomains"), undefined);
  assert.equal(checkDomain("ws://localhost:8080", "connectDomains"), undefined);
  assert.match(checkDomain("ws://realtime.example.com", "connectDomains")!, /must use wss/);
  assert.match(checkDomain("wss://realtime.example.com", "resourceDomains")!, /only among connectDomains/);
  assert.match(checkDomain("wss://realtime.example.com")!, /only among connectDomains/);
});

test("an HTML document starts with a doctype or <html> and ends with </html>", () => {
  assert.equal(htmlProblem("<!doctype html><html><body>x</body></html>\n"), undefined);
  assert.equal(htmlProblem("\uFEFF<!-- c --> <!DOCTYPE HTML>\n<html lang=en></html>"), undefined);
  assert.match(htmlProblem("")!, /empty/);
  assert.match(htmlProblem("<div>fragment</div>")!, /complete HTML document/);
  assert.match(htmlProblem("<!doctype html><html><body>cut")!, /end with <\/html>/);
  assert.equal(htmlProblem("<!doctype html><html></html> <!-- a --> \n<!---->"), undefined);
  assert.match(htmlProblem("<!doctype html><html></html><!-- a --> x")!, /end with <\/html>/);
  assert.match(htmlProblem("<!doctype html><html></HTML>-->")!, /end with <\/html>/);
  // Input that made the old regex backtrack quadratically (minutes at this size) is answered in one pass.
  assert.match(htmlProblem(`<!doctype html>${"</html><!---->".repeat(150_000)}x`)!, /end with <\/html>/);
});

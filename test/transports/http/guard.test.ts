/** Request guards: Host and Origin against DNS rebinding, and the Accept / Content-Type rules. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { accepts, checkHost, checkOrigin, hostnameOf, isJsonContentType, LOOPBACK_NAMES } from "../../../src/transports/http/guard.js";

test("checkHost: loopback names by default, any port; host:port pairs; missing or foreign Host refused", () => {
  const cases: [string | null, readonly string[] | "any", boolean][] = [
    ["localhost:3000", LOOPBACK_NAMES, true],
    ["127.0.0.1", LOOPBACK_NAMES, true],
    ["[::1]:8080", LOOPBACK_NAMES, true],
    ["LOCALHOST", LOOPBACK_NAMES, true],
    ["evil.example", LOOPBACK_NAMES, false],
    ["localhost.evil.example", LOOPBACK_NAMES, false],
    [null, LOOPBACK_NAMES, false],
    ["mcp.example.com:443", ["mcp.example.com:443"], true],
    ["mcp.example.com:8443", ["mcp.example.com:443"], false],
    ["anything", "any", true],
  ];
  for (const [host, allowed, ok] of cases) assert.equal(checkHost(host, allowed) === undefined, ok, `${host} ${JSON.stringify(allowed)}`);
  assert.match(checkHost("evil.example", LOOPBACK_NAMES)!, /add it to allowedHosts/);
  assert.equal(hostnameOf("[::1]:80"), "[::1]");
});

test("checkOrigin: absent passes (not a browser); listed origins and hostnames pass; look-alikes and junk do not", () => {
  const allowed = ["https://app.example.com", "localhost"];
  const cases: [string | null, boolean][] = [
    [null, true],
    ["https://app.example.com", true],
    ["http://localhost:5173", true],
    ["https://app.example.com.evil.net", false],
    ["https://evil.example", false],
    ["null", false],
  ];
  for (const [origin, ok] of cases) assert.equal(checkOrigin(origin, allowed) === undefined, ok, String(origin));
  assert.equal(checkOrigin("http://[::1]:3000", LOOPBACK_NAMES), undefined);
});

test("accepts and isJsonContentType", () => {
  assert.equal(accepts("application/json, text/event-stream", "text/event-stream"), true);
  assert.equal(accepts("text/*;q=0.5", "text/event-stream"), true);
  assert.equal(accepts("*/*", "application/json"), true);
  assert.equal(accepts("application/json", "text/event-stream"), false);
  assert.equal(accepts(null, "application/json"), false);
  assert.equal(isJsonContentType("application/json; charset=utf-8"), true);
  assert.equal(isJsonContentType("application/jsonx"), false);
  assert.equal(isJsonContentType(null), false);
});

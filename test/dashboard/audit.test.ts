import { test } from "node:test";
import assert from "node:assert/strict";
import { auditEndpoint } from "../../src/dashboard/audit.js";

test("auditEndpoint: only an audit endpoint on the issuer's own origin gets the connection's token", () => {
  const issuer = "https://as.example.com";
  assert.equal(auditEndpoint({ issuer, trellis_audit_endpoint: `${issuer}/audit` })?.href, "https://as.example.com/audit");
  for (const at of ["https://evil.example/audit", "http://as.example.com/audit", "https://as.example.com:8443/audit", "not a url", 42])
    assert.equal(auditEndpoint({ issuer, trellis_audit_endpoint: at }), undefined, String(at));
  assert.equal(auditEndpoint({ issuer }), undefined);
  assert.equal(auditEndpoint(undefined), undefined);
});

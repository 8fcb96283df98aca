/** Protected Resource Metadata locations (RFC 9728): path-aware first, then the root. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { metadataUrl, wellKnownPaths } from "../../../src/auth/resource-server/metadata.js";

test("wellKnownPaths and metadataUrl", () => {
  assert.deepEqual(wellKnownPaths("https://mcp.example.com/mcp"), [
    "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-protected-resource",
  ]);
  assert.deepEqual(wellKnownPaths("https://mcp.example.com/a/b/"), [
    "/.well-known/oauth-protected-resource/a/b",
    "/.well-known/oauth-protected-resource",
  ]);
  assert.deepEqual(wellKnownPaths("https://mcp.example.com/"), ["/.well-known/oauth-protected-resource"]);
  assert.equal(
    metadataUrl("https://mcp.example.com:8443/mcp?x=1"),
    "https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp",
  );
});

/** The flow seam: what an OAuth failure says, and that requests go through the peer policy. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { describeOAuthError, oauthHttp } from "../../../src/auth/client/flow.js";
import { PeerHttp } from "../../../src/auth/client/peer-http.js";

test("describeOAuthError: the server's error and description, a non-OAuth answer by URL and status, else the message", () => {
  const body = new oauth.ResponseBodyError("x", {
    cause: { error: "invalid_client", error_description: "unknown client" },
    response: new Response(null, { status: 401 }),
  });
  assert.equal(describeOAuthError(body), "invalid_client: unknown client (HTTP 401)");
  const html = new Response("<html>", { status: 502, headers: { "content-type": "text/html" } });
  Object.defineProperty(html, "url", { value: "https://as/token" });
  assert.equal(
    describeOAuthError(Object.assign(new Error("x"), { cause: html })),
    "https://as/token answered HTTP 502 (text/html), not an OAuth response",
  );
  assert.equal(describeOAuthError(new Error("plain")), "plain");
});

test("oauthHttp routes every oauth4webapi request through the peer's fetch, which refuses what the policy refuses", async () => {
  const seen: string[] = [];
  const peer = new PeerHttp("https://mcp.example.com/mcp", { fetch: async (u) => (seen.push(String(u)), new Response("{}")) });
  const http = oauthHttp(peer);
  const fetchFn = http[oauth.customFetch]!;
  await fetchFn("https://as.example.com/x", { method: "GET", headers: new Headers(), body: undefined, redirect: "manual" } as never);
  assert.deepEqual(seen, ["https://as.example.com/x"]);
  await assert.rejects(
    fetchFn("http://169.254.169.254/", { method: "GET", headers: new Headers(), body: undefined, redirect: "manual" } as never),
    /link-local/,
  );
});

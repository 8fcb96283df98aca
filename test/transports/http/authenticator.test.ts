/** The authenticator seam: the handler takes only an HttpAuthenticator, and says how to make one from options. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isAuthenticator } from "../../../src/transports/http/authenticator.js";
import { StreamableHttpHandler } from "../../../src/transports/http/handler.js";
import { McpServer } from "../../../src/server/index.js";

test("isAuthenticator tells an authenticator from a plain options object, which the handler refuses naming bearerAuth", () => {
  assert.equal(isAuthenticator({ authenticate: async () => ({ token: "t", scopes: [] }) }), true);
  assert.equal(isAuthenticator({ verifier: {}, resource: "https://x" }), false);
  assert.equal(isAuthenticator(undefined), false);
  const server = new McpServer({ name: "s", version: "1" });
  assert.throws(
    () => new StreamableHttpHandler(server, { auth: { verifier: {} } as never }),
    /auth must be an HttpAuthenticator; wrap the options: auth: bearerAuth/,
  );
});

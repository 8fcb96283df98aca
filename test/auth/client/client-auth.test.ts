/** How the client authenticates at a token endpoint: the method chosen, and client_secret_basic's encoding. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseAuthMethod, clientSecretBasic, identity } from "../../../src/auth/client/client-auth.js";
import type { AuthorizationServerMetadata } from "../../../src/auth/client/discovery.js";

const as = (methods?: string[]): AuthorizationServerMetadata => ({
  issuer: "https://as",
  token_endpoint: "https://as/token",
  ...(methods ? { token_endpoint_auth_methods_supported: methods } : {}),
});

test("chooseAuthMethod: the registration's own, else our preference among what the server lists, else RFC 8414's default", () => {
  const cases: [Parameters<typeof chooseAuthMethod>[0], string[] | undefined, boolean, string][] = [
    [{ tokenEndpointAuthMethod: "client_secret_post" }, ["client_secret_basic"], false, "client_secret_post"],
    [{ clientSecret: "s" }, undefined, false, "client_secret_basic"],
    [{ clientSecret: "s" }, ["client_secret_post", "none"], false, "client_secret_post"],
    [{ clientSecret: "s" }, ["private_key_jwt"], false, "client_secret_basic"],
    [{}, ["client_secret_basic", "none"], false, "none"],
    [{}, undefined, true, "private_key_jwt"],
    [{}, undefined, false, "none"],
  ];
  for (const [reg, methods, key, want] of cases)
    assert.equal(chooseAuthMethod(reg, as(methods), key), want, JSON.stringify([reg, methods, key]));
});

test("clientSecretBasic escapes what form encoding escapes and nothing more", () => {
  const headers = new Headers();
  clientSecretBasic("p@ss word:-._~")(undefined as never, { client_id: "my-client.id_x" }, new URLSearchParams(), headers);
  const [id, secret] = atob(headers.get("authorization")!.replace("Basic ", "")).split(":");
  assert.equal(id, "my-client.id_x", "-, . and _ stay as they are (many servers do not decode them)");
  assert.equal(secret, "p%40ss+word%3A-._%7E", "what form encoding escapes is escaped, ~ included");
});

test("identity: a secret method without a secret, or private_key_jwt without a key, is a clear failure", async () => {
  await assert.rejects(
    identity({ clientId: "c", tokenEndpointAuthMethod: "client_secret_basic" }, as()),
    /needs a client secret, and client c has none/,
  );
  await assert.rejects(identity({ clientId: "c", tokenEndpointAuthMethod: "private_key_jwt" }, as()), /needs a private key/);
  await assert.rejects(identity({ clientId: "c", tokenEndpointAuthMethod: "tls_client_auth" }, as()), /not supported/);
  assert.equal((await identity({ clientId: "c" }, as(["none"]))).client.token_endpoint_auth_method, "none");
});

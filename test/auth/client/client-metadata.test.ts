/** Client ID Metadata Documents (SEP-991): the URL rules, the document's checks and defaults, serving it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkClientIdUrl, clientMetadataDocument, serveClientMetadata } from "../../../src/auth/client/client-metadata.js";

const doc = {
  client_id: "https://app.example.com/oauth/client.json",
  client_name: "App",
  redirect_uris: ["http://127.0.0.1:8976/callback"],
};

test("checkClientIdUrl: https with a path and no fragment", () => {
  assert.doesNotThrow(() => checkClientIdUrl("https://app.example.com/c.json"));
  for (const bad of ["http://app.example.com/c.json", "https://app.example.com/", "https://app.example.com/c.json#x", "app"]) {
    assert.throws(
      () => checkClientIdUrl(bad),
      (e: unknown) => e instanceof TypeError && /SEP-991|https URL/.test((e as Error).message),
      bad,
    );
  }
});

test("clientMetadataDocument: defaults for the authorization-code flow; no shared secrets; name and redirects required", () => {
  assert.deepEqual(clientMetadataDocument(doc), {
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    ...doc,
  });
  assert.throws(() => clientMetadataDocument({ ...doc, client_name: "" }), /needs client_name/);
  assert.throws(() => clientMetadataDocument({ ...doc, redirect_uris: [] }), /at least one redirect_uris/);
  assert.throws(() => clientMetadataDocument({ ...doc, token_endpoint_auth_method: "client_secret_basic" }), /cannot use a shared secret/);
});

test("serveClientMetadata: the document at its own path, HEAD without a body, 404 elsewhere, 405 for other methods", async () => {
  const serve = serveClientMetadata(doc);
  const ok = serve(new Request(doc.client_id));
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).client_id, doc.client_id);
  assert.equal(await serve(new Request(doc.client_id, { method: "HEAD" })).text(), "");
  assert.equal(serve(new Request("https://app.example.com/other")).status, 404);
  assert.equal(serve(new Request(doc.client_id, { method: "POST", body: "x" })).status, 405);
});

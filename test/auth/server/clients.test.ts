import { test } from "node:test";
import assert from "node:assert/strict";
import { Clients, redirectAllowed } from "../../../src/auth/server/clients.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

test("redirectAllowed: exact match; loopback redirect URIs on any port, same host, path and query", () => {
  const reg = ["https://app.example/cb", "http://127.0.0.1/callback", "http://localhost/cb?x=1"];
  for (const ok of ["https://app.example/cb", "http://127.0.0.1:5555/callback", "http://127.0.0.1/callback", "http://localhost:1/cb?x=1"])
    assert.equal(redirectAllowed(reg, ok), true, ok);
  for (const bad of [
    "https://app.example/cb/",
    "https://app.example:444/cb",
    "http://127.0.0.1:5555/callback/x",
    "http://localhost:5555/callback",
    "http://127.0.0.1:5555/callback#f",
    "http://user@127.0.0.1:5555/callback",
    "http://localhost:1/cb?x=2",
    "https://127.0.0.1:5555/callback",
    "not a url",
  ])
    assert.equal(redirectAllowed(reg, bad), false, bad);
});

const form = (f: Record<string, string>) => f;

test("authenticate: the registered method only; one method per request; wrong secrets and unknown clients are invalid_client", async () => {
  const clients = new Clients(
    {
      clients: [
        { clientId: "pub", redirectUris: ["http://127.0.0.1/cb"] },
        { clientId: "basic", clientSecret: "basic-secret-0123456789" },
        { clientId: "post", clientSecret: "post-secret-0123456789", tokenEndpointAuthMethod: "client_secret_post" },
      ],
    },
    new MemoryAuthStore(),
  );
  const h = (v?: string) => new Headers(v ? { authorization: v } : {});
  const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
  assert.equal((await clients.authenticate(form({ client_id: "pub" }), h(), ["x"])).clientId, "pub");
  assert.equal((await clients.authenticate(form({}), h(basic("basic", "basic-secret-0123456789")), ["x"])).clientId, "basic");
  assert.equal(
    (await clients.authenticate(form({ client_id: "post", client_secret: "post-secret-0123456789" }), h(), ["x"])).clientId,
    "post",
  );
  const refused: Array<[Record<string, string>, string | undefined, RegExp]> = [
    [{ client_id: "basic" }, undefined, /must authenticate with client_secret_basic, not none/],
    [{ client_id: "post", client_secret: "wrong" }, undefined, /secret is wrong/],
    [{ client_id: "basic", client_secret: "basic-secret-0123456789" }, undefined, /client_secret_basic, not client_secret_post/],
    [{}, basic("basic", "nope"), /secret is wrong/],
    [{ client_id: "ghost" }, undefined, /unknown client/],
    [{}, undefined, /names no client/],
    [{ client_secret: "x" }, basic("basic", "basic-secret-0123456789"), /one client authentication method/],
    [{}, "Basic !!!", /not base64/],
  ];
  for (const [f, auth, why] of refused) await assert.rejects(clients.authenticate(f, h(auth), ["x"]), why);
});

test("configured clients are checked: methods need their credentials, secrets a length, redirect URIs no fragment", async () => {
  const bad = async (c: object, why: RegExp) => assert.rejects(new Clients({ clients: [c as never] }, new MemoryAuthStore()).ready(), why);
  await bad({ clientId: "a", tokenEndpointAuthMethod: "client_secret_basic" }, /has no clientSecret/);
  await bad({ clientId: "a", clientSecret: "short" }, /at least 16 characters/);
  await bad({ clientId: "a", redirectUris: ["http://x/#frag"] }, /without a fragment/);
  assert.throws(() => new Clients({ clients: [{ clientId: "a" }, { clientId: "a" }] }, new MemoryAuthStore()), /configured twice/);
});

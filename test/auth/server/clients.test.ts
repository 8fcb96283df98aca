import { test } from "node:test";
import assert from "node:assert/strict";
import { Clients, cleanName, redirectAllowed } from "../../../src/auth/server/clients.js";
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

test("publicOnlyLookup: a name is refused when any address it resolves to is not public; otherwise the connection uses those addresses", async () => {
  const { publicOnlyLookup } = await import("../../../src/auth/server/clients.js");
  const answer = (addresses: Array<{ address: string; family: number }>) =>
    ((_h: string, _o: unknown, cb: (e: Error | null, a: typeof addresses) => void) => cb(null, addresses)) as never;
  const run = (lookup: ReturnType<typeof publicOnlyLookup>, all: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      lookup("docs.example", { all } as never, ((e: Error | null, a: unknown) => (e ? reject(e) : resolve(a))) as never),
    );
  await assert.rejects(
    run(
      publicOnlyLookup(
        answer([
          { address: "93.184.216.34", family: 4 },
          { address: "127.0.0.1", family: 4 },
        ]),
      ),
      true,
    ),
    /loopback address \(127\.0\.0\.1\)/,
  );
  await assert.rejects(run(publicOnlyLookup(answer([{ address: "::ffff:169.254.169.254", family: 6 }])), false), /link-local/);
  await assert.rejects(run(publicOnlyLookup(answer([{ address: "fd00::1", family: 6 }])), true), /private/);
  assert.deepEqual(await run(publicOnlyLookup(answer([{ address: "93.184.216.34", family: 4 }])), true), [
    { address: "93.184.216.34", family: 4 },
  ]);
  assert.equal(await run(publicOnlyLookup(answer([{ address: "93.184.216.34", family: 4 }])), false), "93.184.216.34");
});

/** Names that read as "Test app" however they are spelt: each character draws nothing, or blank space. */
const LOOKALIKES: Array<[string, string]> = [
  ["U+034F combining grapheme joiner", "Test app\u034F"],
  ["U+FE00 variation selector 1", "Test\uFE00 app"],
  ["U+FE0F variation selector 16", "Test app\uFE0F"],
  ["U+E0100 variation selector 17", "Test app\u{E0100}"],
  ["U+180B Mongolian free variation selector 1", "Te\u180Bst app"],
  ["U+180C Mongolian free variation selector 2", "Test a\u180Cpp"],
  ["U+180D Mongolian free variation selector 3", "Test app\u180D"],
  ["U+180F Mongolian free variation selector 4", "Test app\u180F"],
  ["U+17B4 Khmer vowel inherent AQ", "Test\u17B4 app"],
  ["U+17B5 Khmer vowel inherent AA", "Test app\u17B5"],
  ["U+16FE4 Khitan filler", "Test app\u{16FE4}"],
  ["U+3164 Hangul filler", "Test\u3164app"],
  ["U+FFA0 half-width Hangul filler", "Test\uFFA0app"],
  ["U+115F Hangul choseong filler", "Test\u115Fapp"],
  ["U+1160 Hangul jungseong filler", "Test\u1160app"],
  ["U+2800 braille blank", "Test\u2800app"],
  ["U+1D159 musical null notehead", "Test\u{1D159}app"],
  ["U+00A0 no-break space", "Test\u00A0app"],
  ["U+1680 ogham space mark", "Test\u1680app"],
  ["U+2000 en quad", "Test\u2000app"],
  ["U+2007 figure space", "Test\u2007app"],
  ["U+200A hair space", "Test\u200Aapp"],
  ["U+2028 line separator", "Test\u2028app"],
  ["U+202F narrow no-break space", "Test\u202Fapp"],
  ["U+205F medium mathematical space", "Test\u205Fapp"],
  ["U+3000 ideographic space", "Test\u3000app"],
  ["U+200B zero-width space", "Test \u200Bapp"],
  ["U+2060 word joiner", "Test app\u2060"],
  ["U+00AD soft hyphen", "Test ap\u00ADp"],
  ["U+202E right-to-left override", "Test app\u202E"],
  ["U+E0041 tag letter A", "Test app\u{E0041}"],
  ["U+3164 and U+200B together", "\u3164Test\u200B\u3164\u3164app\uFE0F"],
];

test("cleanName: what draws nothing is removed and what draws blank space is a space, so every look-alike reads 'Test app'", () => {
  for (const [what, name] of LOOKALIKES) assert.equal(cleanName(name), "Test app", what);
  assert.equal(cleanName("e\u034F\u0301"), "\u00E9", "a letter and its accent, once the joiner between them is gone, compose");
  assert.equal(cleanName("\u3164\u2800\u034F"), undefined, "nothing visible is left: the pages show the client id");
  assert.equal(
    cleanName("Caf\u00E9 \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \u4E2D\u6587"),
    "Caf\u00E9 \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \u4E2D\u6587",
    "letters of any script stay",
  );
});

test("impersonated: every look-alike of a configured client's name is caught; other names are not", async () => {
  const clients = new Clients(
    { clients: [{ clientId: "app", clientName: "Test app", redirectUris: ["http://127.0.0.1/cb"] }] },
    new MemoryAuthStore(),
  );
  for (const [what, name] of LOOKALIKES) assert.equal((await clients.impersonated(name))?.clientId, "app", what);
  for (const other of ["Test app 2", "Testapp", "Test \u2801app"]) assert.equal(await clients.impersonated(other), undefined, other);
});

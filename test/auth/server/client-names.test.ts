/** The names clients give themselves: cleaned, compared with the configured clients' names, and shown. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanName } from "../../../src/auth/server/client-names.js";
import { Clients } from "../../../src/auth/server/clients.js";
import { MemoryAuthStore } from "../../../src/stores/memory/auth-store.js";

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

test("shown: a configured client as configured; any other name checked again when shown — cleaned, or hidden when it imitates", async () => {
  const clients = new Clients(
    {
      clients: [
        { clientId: "app", clientName: "Test app\u200B", redirectUris: ["http://127.0.0.1/cb"] },
        { clientId: "robot", clientSecret: "robot-secret-0123456789" },
      ],
    },
    new MemoryAuthStore(),
  );
  assert.deepEqual(
    await clients.shown("app", "whatever was copied"),
    { clientId: "app", kind: "configured", name: "Test app\u200B" },
    "the operator's own name",
  );
  // Records kept from before names were cleaned on registration, or consents that copied their names:
  assert.deepEqual(await clients.shown("dcr_1", "Test app\u202E"), { clientId: "dcr_1", kind: "registered", imitation: true });
  assert.deepEqual(
    await clients.shown("dcr_2", "ROBOT"),
    { clientId: "dcr_2", kind: "registered", imitation: true },
    "a configured client's id",
  );
  assert.deepEqual(await clients.shown("dcr_3", "Friendly\u202E app\u3164"), {
    clientId: "dcr_3",
    kind: "registered",
    name: "Friendly app",
  });
  assert.deepEqual(await clients.shown("dcr_4", undefined), { clientId: "dcr_4", kind: "registered", name: undefined });
  assert.deepEqual(await clients.shown("https://x.example/c.json", "Test\u3164app"), {
    clientId: "https://x.example/c.json",
    kind: "metadata-document",
    imitation: true,
  });
});

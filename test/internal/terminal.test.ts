/**
 * visible, the one function text from a bundle, a manifest or a server passes through before it is printed: every
 * character that acts on a terminal or hides, reorders or disguises text is shown as \u{…}; ordinary text of any
 * script, emoji included, comes out unchanged. canStyle: escape sequences only to a terminal, never with NO_COLOR.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { canStyle, visible, withVisibleErrors } from "../../src/internal/terminal.js";
import { visible as publicVisible } from "../../src/bundles/index.js";

test("controls are shown, never sent: C0, ESC sequences, DEL, C1 (single-byte CSI \\x9b and OSC \\x9d), line breaks", () => {
  assert.equal(visible("a\u001b[2Jb"), "a\\u{1b}[2Jb", "clear screen");
  assert.equal(visible("\u001b]52;c;cm0gLXJm\u0007"), "\\u{1b}]52;c;cm0gLXJm\\u{7}", "OSC 52 clipboard write");
  assert.equal(visible("\u009b2J\u009d0;title\u009c"), "\\u{9b}2J\\u{9d}0;title\\u{9c}", "C1 CSI, OSC, ST");
  assert.equal(visible("x\u007fy\u0000z\u0008"), "x\\u{7f}y\\u{0}z\\u{8}");
  assert.equal(visible("one\ntwo\r\tthree"), "one\\u{a}two\\u{d}\\u{9}three", "one string is one line");
  assert.equal(visible("a\u2028b\u2029c\u0085d"), "a\\u{2028}b\\u{2029}c\\u{85}d");
  for (let c = 0; c < 0x20; c++) assert.equal(visible(String.fromCharCode(c)), `\\u{${c.toString(16)}}`);
  for (let c = 0x7f; c <= 0x9f; c++) assert.equal(visible(String.fromCharCode(c)), `\\u{${c.toString(16)}}`);
});

test("what reorders or hides text is shown: bidi overrides and isolates, zero-width and other invisible characters", () => {
  for (const c of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c])
    assert.equal(visible(`a${String.fromCodePoint(c)}b`), `a\\u{${c.toString(16)}}b`, `bidi U+${c.toString(16)}`);
  for (const c of [0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x00ad, 0x034f, 0x180e, 0x3164, 0xffa0, 0xfff9])
    assert.equal(visible(`ev${String.fromCodePoint(c)}il`), `ev\\u{${c.toString(16)}}il`, `invisible U+${c.toString(16)}`);
  // Tags spell hidden ASCII ("ASCII smuggling"); a variation selector after a plain letter changes nothing you see.
  assert.equal(visible("ok\u{E0069}\u{E0067}"), "ok\\u{e0069}\\u{e0067}");
  assert.equal(visible("a\uFE0Fb\u{E0100}"), "a\\u{fe0f}b\\u{e0100}");
  // "file.txt" reversed by an override: the disguise is shown, not performed.
  assert.equal(visible("invoice\u202Etxt.exe"), "invoice\\u{202e}txt.exe");
});

test("a lone surrogate is shown; a pair is the character it encodes", () => {
  assert.equal(visible("a\uD800b"), "a\\u{d800}b");
  assert.equal(visible("a\uDC00"), "a\\u{dc00}");
  assert.equal(visible("\uDBFF"), "\\u{dbff}");
  assert.equal(visible("\uD83D\uDE00"), "😀");
});

test("ordinary text of any script is unchanged: accents, CJK, right-to-left letters, emoji sequences", () => {
  for (const s of [
    "echo-bundle 1.0.0",
    "Café crème, naïve, Ångström, e\u0301 (combining), Łódź",
    "日本語のサーバー、한국어 서버, 中文服务器 葛\u{E0100}",
    "مرحبا بالعالم, שלום עולם, नमस्ते, สวัสดี",
    "👍 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ ❤️‍🔥 🏃‍♂️ 👁️‍🗨️ 1️⃣ #️⃣ 🇫🇷 🏴󠁧󠁢󠁳󠁣󠁴󠁿 🏴󠁧󠁢󠁥󠁮󠁧󠁿 ☺︎",
    "C:\\Users\\me\\server.js --flag='a b'",
    "",
  ])
    assert.equal(visible(s), s, s);
});

test("visible is idempotent, and ./bundles exports the same function", () => {
  const evil = "x\u001b[8m\u202e\u200b\uD800\u009b\u{E0041}";
  assert.equal(visible(visible(evil)), visible(evil));
  assert.ok(![...visible(evil)].some((ch) => /[\p{Cc}\p{Cf}\p{Cs}]/u.test(ch)));
  assert.equal(publicVisible, visible);
});

test("canStyle: escape sequences only to a terminal, and not with NO_COLOR or TERM=dumb", () => {
  assert.equal(canStyle({ isTTY: true }, {}), true);
  assert.equal(canStyle({ isTTY: false }, {}), false);
  assert.equal(canStyle({}, {}), false);
  assert.equal(canStyle({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(canStyle({ isTTY: true }, { NO_COLOR: "" }), true, "an empty NO_COLOR is unset (no-color.org)");
  assert.equal(canStyle({ isTTY: true }, { TERM: "dumb" }), false);
});

test("withVisibleErrors: a thrown message is made visible line by line, its class kept", async () => {
  class Special extends Error {}
  const failing = withVisibleErrors(async (what: string) => {
    throw new Special(`bad ${what}\nsecond line`);
  });
  await assert.rejects(failing("\u001b[2J\u202e"), (err: Error) => {
    assert.ok(err instanceof Special);
    assert.equal(err.message, "bad \\u{1b}[2J\\u{202e}\nsecond line");
    return true;
  });
});

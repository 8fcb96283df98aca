/** The progress view: a bar redrawn in place on a terminal, a plain line per change elsewhere. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { progressView } from "../../src/cli/progress.js";

test("on a terminal: one line redrawn, a note keeps the bar intact, done ends the line", () => {
  let out = "";
  const v = progressView({ write: (s: string) => (out += s), isTTY: true, columns: 60 });
  v.update(5, 10, "half");
  assert.equal(out, `\r\x1b[2K[${"#".repeat(15)}${"-".repeat(15)}]  50%  half`);
  v.note("status: working");
  assert.ok(out.endsWith("\r\x1b[2Kstatus: working\n"));
  v.update(10, 10);
  assert.ok(out.endsWith(`[${"#".repeat(30)}] 100%`));
  v.done();
  assert.ok(out.endsWith("\n"));
});

test("elsewhere: a plain line per change, none repeated; unknown totals show the raw count", () => {
  let out = "";
  const v = progressView({ write: (s: string) => (out += s), isTTY: false });
  v.update(1, 4);
  v.update(1, 4);
  v.update(2, 4, "more");
  v.update(7, undefined);
  v.done();
  assert.equal(out, "progress 25%\nprogress 50%  more\nprogress 7\n");
});

test("a line never overflows the terminal's width", () => {
  let out = "";
  const v = progressView({ write: (s: string) => (out += s), isTTY: true, columns: 40 });
  v.update(1, 2, "x".repeat(200));
  assert.ok(out.replace("\r\x1b[2K", "").length <= 39);
});

test("what is not a finite number is not progress: a server's string in its place is never written", () => {
  for (const isTTY of [true, false]) {
    let out = "";
    const v = progressView({ write: (s: string) => (out += s), isTTY, columns: 80 });
    v.update("\u001b]0;PWNED\u0007\u001b[2J" as unknown as number, 10);
    v.update(Number.NaN, 10);
    v.update(Number.POSITIVE_INFINITY, 10);
    assert.equal(out, "", isTTY ? "on a terminal" : "elsewhere");
    v.update(1, "\u001b[31m" as unknown as number, 7 as unknown as string);
    assert.ok(!out.includes("\u001b[31m") && !out.includes("undefined") && !out.includes("7"), JSON.stringify(out));
  }
});

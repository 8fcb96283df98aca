/** output.ts: a server's results for people (visible) and for scripts (JSON that cannot drive a terminal, and means the same). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatContent, printResult, safeJson } from "../../src/cli/output.js";
import { CliError } from "../../src/cli/config.js";

test("safeJson: valid JSON equal to the value for any value, with no control, format or invisible character left raw", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string({ unit: "binary" }), (value, text) => {
      for (const v of [value, { text }, [text, value]]) {
        const out = safeJson(v);
        assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(v)));
        assert.doesNotMatch(out, /(?![\n\r\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u);
      }
    }),
    { numRuns: 500 },
  );
});

test("printResult: text made visible line by line, an isError result on stderr with exit code 4; formatContent flags non-string text", () => {
  let out = "";
  let err = "";
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  printResult(io, { content: [{ type: "text", text: "one\u001b[2J\ntwo" }] }, false);
  assert.equal(out, "one\\u{1b}[2J\ntwo\n");
  assert.throws(
    () => printResult(io, { content: [{ type: "text", text: "boom" }], isError: true }, false),
    (e: unknown) => e instanceof CliError && e.exitCode === 4,
  );
  assert.equal(err, "boom\n");
  assert.equal(formatContent([{ type: "text", text: {} as unknown as string }]), "[invalid text block: {}]");
});

/** The shared pieces of the Skills extension: frontmatter parsing, the naming rule, digests, JSON comparison. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SKILL_NAME, digestOf, parseSkillMd, sameJson } from "../../../src/ext/skills/skill.js";
import { PDF_SKILL_MD } from "../../fixtures/skills.js";

test("frontmatter parses as YAML 1.2 (quoted versions stay strings), with the body after it", () => {
  const { frontmatter, body } = parseSkillMd(PDF_SKILL_MD);
  assert.deepEqual(frontmatter, {
    name: "pdf-processing",
    description: "Extract, fill, and assemble PDF documents",
    license: "Apache-2.0",
    metadata: { version: "2.1.0" },
  });
  assert.match(body, /^\n# PDF processing/);
  assert.equal(parseSkillMd("\uFEFF---\r\nname: a\r\ndescription: b\r\nv: 2.1\r\n---\r\nx").frontmatter.v, 2.1);
});

test("SKILL.md without frontmatter, with bad YAML, or without name or description is refused with the reason", () => {
  assert.throws(() => parseSkillMd("# no frontmatter"), /must begin with YAML frontmatter/);
  assert.throws(() => parseSkillMd("---\nname: [a\n---\n"), /not valid YAML/);
  assert.throws(() => parseSkillMd("---\n- a\n---\n"), /must be a mapping/);
  assert.throws(() => parseSkillMd("---\ndescription: d\n---\n"), /needs a "name"/);
  assert.throws(() => parseSkillMd("---\nname: n\n---\n"), /needs a "description"/);
  // a billion-laughs alias bomb is refused, not expanded
  const bomb = `---\nname: n\ndescription: d\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n---\n`;
  assert.throws(() => parseSkillMd(bomb), /not valid YAML/);
});

test("the naming rule", () => {
  for (const ok of ["a", "pdf-processing", "a1", "x".repeat(64)]) assert.ok(SKILL_NAME.test(ok), ok);
  for (const bad of ["", "-a", "a-", "a--b", "A", "a_b", "x".repeat(65), "a.b"]) assert.ok(!SKILL_NAME.test(bad), bad);
});

test("digests are sha256 of the raw bytes, lowercase hex", async () => {
  const bytes = new TextEncoder().encode(PDF_SKILL_MD);
  assert.equal(await digestOf(bytes), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
  assert.match(await digestOf(new Uint8Array()), /^sha256:e3b0c442/);
});

test("sameJson compares field by field", () => {
  assert.ok(sameJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
  assert.ok(sameJson({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(!sameJson({ a: "2.1" }, { a: 2.1 }));
  assert.ok(!sameJson([1, 2], [2, 1]));
  assert.ok(!sameJson({ a: {} }, { a: [] }));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!sameJson(null, {}));
});

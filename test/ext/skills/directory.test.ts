/** readSkillsDirectory: folders with a SKILL.md become skills (prefix from the path), hidden files and links are skipped. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readSkillsDirectory } from "../../../src/ext/skills/node.js";

test("the everything example's skills", async () => {
  const dir = fileURLToPath(new URL("../../../../examples/everything/skills", import.meta.url));
  const skills = await readSkillsDirectory(dir);
  assert.deepEqual(
    skills.map((s) => [s.prefix, Object.keys(s.files).sort()]),
    [
      [undefined, ["SKILL.md", "references/FORMS.md", "templates/invoice.md", "templates/regional/eu-invoice.md"]],
      ["team", ["SKILL.md", "checklists/security.md"]],
    ],
  );
});

test("hidden files and symbolic links are not published; a folder over the size limit is refused before it is read", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skills-"));
  try {
    mkdirSync(join(dir, "a"));
    writeFileSync(join(dir, "a", "SKILL.md"), "---\nname: a\ndescription: d\n---\n");
    writeFileSync(join(dir, "a", ".env"), "SECRET=1");
    symlinkSync("/etc/hostname", join(dir, "a", "link.txt"));
    const [a] = await readSkillsDirectory(dir);
    assert.deepEqual(Object.keys(a!.files), ["SKILL.md"]);
    mkdirSync(join(dir, "b"));
    writeFileSync(join(dir, "b", "SKILL.md"), "---\nname: b\ndescription: d\n---\n");
    writeFileSync(join(dir, "b", "big.bin"), Buffer.alloc(16 * 1024 * 1024 + 1));
    await assert.rejects(readSkillsDirectory(dir), /holds \d+ bytes; a skill may hold at most 16777216/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * readSkillsDirectory (Node): every skill under a folder — each folder holding a SKILL.md is one skill, its files
 * everything under it — ready for skillsServer. Hidden files and symbolic links are skipped, so a link cannot
 * publish a file from outside the folder, and sizes are checked before anything is read.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { misuse } from "../../protocol/errors.js";
import { MAX_SKILL_BYTES, MAX_SKILL_FILES } from "./skill.js";
import type { SkillSource } from "./server.js";

/** readSkillsDirectory reads the skills under `dir`; a skill at dir/acme/refunds/SKILL.md gets the prefix "acme". */
export async function readSkillsDirectory(dir: string): Promise<SkillSource[]> {
  const skills: SkillSource[] = [];
  await walk(dir, dir, skills);
  return skills;
}

async function walk(base: string, dir: string, out: SkillSource[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === "SKILL.md")) {
    const rel = relative(base, dir).split(sep).filter(Boolean);
    out.push({ prefix: rel.slice(0, -1).join("/") || undefined, files: await readSkill(dir) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) await walk(base, join(dir, e.name), out);
}

async function readSkill(dir: string): Promise<Record<string, Uint8Array>> {
  const paths: string[] = [];
  const collect = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith(".") || e.isSymbolicLink()) continue;
      if (e.isDirectory()) await collect(join(d, e.name));
      else if (e.isFile()) paths.push(join(d, e.name));
      if (paths.length > MAX_SKILL_FILES) throw misuse(`readSkillsDirectory: ${dir} has more than ${MAX_SKILL_FILES} files`);
    }
  };
  await collect(dir);
  let total = 0;
  for (const p of paths) total += (await lstat(p)).size;
  if (total > MAX_SKILL_BYTES)
    throw misuse(`readSkillsDirectory: ${dir} holds ${total} bytes; a skill may hold at most ${MAX_SKILL_BYTES}`);
  const files: Record<string, Uint8Array> = {};
  for (const p of paths) files[relative(dir, p).split(sep).join("/")] = new Uint8Array(await readFile(p));
  return files;
}

/**
 * What both sides of the Skills extension (SEP-2640) agree on: the identifier, the shape of a skill entry, the
 * Agent Skills naming rule, SKILL.md frontmatter (YAML 1.2, parsed with `yaml`), and digests (SHA-256 of the raw
 * bytes, `sha256:<64 lowercase hex>`).
 */
import { parse } from "yaml";

/** The extension identifier. */
export const SKILLS_EXTENSION = "io.modelcontextprotocol/skills";
/** The URI scheme skills are served under. */
export const SKILL_SCHEME = "skill://";
/** The Agent Skills name rule: 1-64 of a-z, 0-9 and "-", no leading, trailing or doubled hyphen. */
export const SKILL_NAME = /^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** Limits the SEP sets for one skill: files, and their total size. */
export const MAX_SKILL_FILES = 512;
export const MAX_SKILL_BYTES = 16 * 1024 * 1024;

/** One file of a skill as an entry lists it. */
export interface SkillResource {
  uri: string;
  /** `sha256:` and 64 lowercase hex digits: the hash of the file's raw bytes. */
  digest: string;
  /** The file's length in bytes, when the server gives it (Trellis servers do; the SEP does not require it). */
  size?: number;
}

/** A skill as skills/list and skills/get describe it. */
export interface SkillEntry {
  /** The skill's SKILL.md. */
  uri: string;
  /** SKILL.md's frontmatter as a JSON object, at least `name` and `description`. */
  frontmatter: SkillFrontmatter;
  /**
   * Every file of the skill, SKILL.md included, or "dynamic" for a skill generated on demand (not verifiable;
   * on the wire such an entry omits `resources`, or carries the sentinel "dynamic").
   */
  resources: SkillResource[] | "dynamic";
}

export interface SkillFrontmatter {
  name: string;
  description: string;
  [key: string]: unknown;
}

const FRONTMATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * parseSkillMd splits a SKILL.md into its frontmatter (parsed as YAML 1.2) and body. It throws a message naming
 * what is wrong: no frontmatter block, YAML that does not parse or is not a mapping, a missing name or description.
 */
export function parseSkillMd(text: string): { frontmatter: SkillFrontmatter; body: string } {
  const m = FRONTMATTER.exec(text);
  if (!m) throw new Error('SKILL.md must begin with YAML frontmatter: a "---" line, the fields, and a closing "---" line');
  let data: unknown;
  try {
    data = parse(m[1]!, { prettyErrors: false, maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`SKILL.md frontmatter is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("SKILL.md frontmatter must be a mapping of fields");
  const fm = data as Record<string, unknown>;
  if (typeof fm.name !== "string" || fm.name === "") throw new Error('SKILL.md frontmatter needs a "name"');
  if (typeof fm.description !== "string" || fm.description === "") throw new Error('SKILL.md frontmatter needs a "description"');
  return { frontmatter: fm as SkillFrontmatter, body: text.slice(m[0].length) };
}

/** digestOf is the SEP's digest of `bytes`: "sha256:" and the lowercase hex SHA-256 (WebCrypto, any runtime). */
export async function digestOf(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of hash) hex += b.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
}

/** sameJson compares two JSON values field by field (objects by keys, arrays in order), as frontmatter checks need. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameJson(v, (b as unknown[])[i]));
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

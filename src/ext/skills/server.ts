/**
 * Skills, server side (SEP-2640): serves Agent Skills — a SKILL.md with frontmatter and supporting files — as
 * `skill://` resources, with `skills/list`, `skills/get` and `resources/directory/read`. Every skill is checked
 * when the extension is set up (frontmatter, the naming rule, paths, limits), so a bad skill stops start-up
 * with a message naming the file, rather than reaching a client.
 */
import { ErrorCode, ProtocolError, misuse } from "../../protocol/errors.js";
import type { Resource } from "../../protocol/generated/schema-types.js";
import { defineExtension, type ServerExtension } from "../../server/extension.js";
import {
  MAX_SKILL_BYTES,
  MAX_SKILL_FILES,
  SKILL_NAME,
  SKILL_SCHEME,
  SKILLS_EXTENSION,
  digestOf,
  parseSkillMd,
  type SkillEntry,
  type SkillFrontmatter,
} from "./skill.js";

/** A skill's files by path relative to the skill's directory ("SKILL.md", "references/FORMS.md"): text or bytes. */
export type SkillFiles = Record<string, string | Uint8Array>;

/** SkillSource is one skill to serve. */
export interface SkillSource {
  /** Segments before the skill's name in its URI ("acme/billing" gives skill://acme/billing/<name>/SKILL.md). */
  prefix?: string;
  files: SkillFiles;
}

export interface SkillsServerOptions {
  skills: SkillSource[];
  /** Serve resources/directory/read (and declare `directoryRead`). Default true. */
  directoryRead?: boolean;
  /** Skills per skills/list page, and children per directory page. Default 100. */
  pageSize?: number;
}

/** What `server.use(skillsServer(...))` returns. */
export interface SkillsServerApi {
  /** The entries the server lists, once their digests are computed. */
  entries(): Promise<SkillEntry[]>;
}

interface File {
  uri: string;
  bytes: Uint8Array;
  text?: string;
  mimeType: string;
}

interface Skill {
  root: string;
  skillMd: string;
  frontmatter: SkillFrontmatter;
  files: File[];
}

const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=@-]+$/;
const DIRECTORY = "inode/directory";

/** skillsServer is the Skills extension for McpServer: `server.use(skillsServer({ skills }))`. */
export function skillsServer(options: SkillsServerOptions): ServerExtension<SkillsServerApi> {
  const directoryRead = options.directoryRead !== false;
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw misuse(`skillsServer: pageSize must be a positive integer; got ${pageSize}`);
  if (!Array.isArray(options?.skills))
    throw misuse("skillsServer: pass { skills: [...] }, one { files } object per skill (readSkillsDirectory makes them)");
  const skills = options.skills.map((s, i) => buildSkill(s, i));
  const roots = new Set<string>();
  for (const s of skills) {
    if (roots.has(s.root)) throw misuse(`skillsServer: two skills are served at ${s.root}; give one a different prefix or name`);
    for (const r of roots)
      if (s.root.startsWith(`${r}/`) || r.startsWith(`${s.root}/`))
        throw misuse(`skillsServer: ${s.root} and ${r} nest inside each other; serve them side by side`);
    roots.add(s.root);
  }
  const dirs = directories(skills);
  let entries: Promise<SkillEntry[]> | undefined;
  const allEntries = () =>
    (entries ??= Promise.all(skills.map(entryOf)).catch((err: unknown) => {
      entries = undefined; // not cached: the next request tries again
      throw err;
    }));
  const byUri = new Map(skills.map((s, i) => [s.skillMd, i]));

  return defineExtension({
    id: SKILLS_EXTENSION,
    settings: directoryRead ? { directoryRead: true } : {},
    setup(x) {
      for (const skill of skills) {
        for (const f of skill.files) {
          const isSkillMd = f.uri === skill.skillMd;
          x.registerResource(
            f.uri,
            {
              name: isSkillMd ? skill.frontmatter.name : f.uri.slice(skill.root.length + 1),
              ...(isSkillMd ? { description: skill.frontmatter.description } : {}),
              mimeType: f.mimeType,
              size: f.bytes.length,
              listed: isSkillMd,
            },
            () => (f.text !== undefined ? { text: f.text } : { blob: f.bytes }),
          );
        }
      }
      x.method("skills/list", {
        params: { type: "object", properties: { cursor: { type: "string" } } },
        handler: async (params) => {
          const all = await allEntries();
          const start = params.cursor === undefined ? 0 : decodeCursor(params.cursor as string, all.length);
          const page = all.slice(start, start + pageSize);
          return start + pageSize < all.length ? { skills: page, nextCursor: encodeCursor(start + pageSize) } : { skills: page };
        },
      });
      x.method("skills/get", {
        params: { type: "object", properties: { uri: { type: "string" } }, required: ["uri"] },
        handler: async (params) => {
          const i = byUri.get(params.uri as string);
          if (i === undefined)
            throw new ProtocolError(
              ErrorCode.InvalidParams,
              `invalid params: ${JSON.stringify(params.uri)} is not a skill this server serves; call skills/list`,
            );
          return { skill: (await allEntries())[i] };
        },
      });
      if (directoryRead) {
        x.method("resources/directory/read", {
          params: { type: "object", properties: { uri: { type: "string" }, cursor: { type: "string" } }, required: ["uri"] },
          handler: (params) => {
            const uri = String(params.uri).replace(/\/+$/, "");
            const children = dirs.get(uri);
            if (!children)
              throw new ProtocolError(
                ErrorCode.InvalidParams,
                `invalid params: ${JSON.stringify(params.uri)} is not a directory of a skill this server serves`,
                {
                  uri: params.uri,
                },
              );
            const start = params.cursor === undefined ? 0 : decodeCursor(params.cursor as string, children.length);
            const page = children.slice(start, start + pageSize);
            return start + pageSize < children.length
              ? { resources: page, nextCursor: encodeCursor(start + pageSize) }
              : { resources: page };
          },
        });
      }
      return { entries: allEntries };
    },
  });
}

/** buildSkill checks one skill's files and frontmatter; errors name the skill and the fix. */
function buildSkill(source: SkillSource, index: number): Skill {
  const files = source?.files;
  if (typeof files !== "object" || files === null)
    throw misuse(`skillsServer: skills[${index}] needs "files", a map of relative path to content`);
  const md = files["SKILL.md"];
  if (md === undefined) throw misuse(`skillsServer: skills[${index}] has no SKILL.md at its root`);
  const mdText = typeof md === "string" ? md : decodeUtf8(md);
  if (mdText === undefined) throw misuse(`skillsServer: skills[${index}] SKILL.md is not UTF-8 text`);
  let frontmatter: SkillFrontmatter;
  try {
    frontmatter = parseSkillMd(mdText).frontmatter;
  } catch (err) {
    throw misuse(`skillsServer: skills[${index}] ${(err as Error).message}`);
  }
  const name = frontmatter.name;
  const where = `skillsServer: skill ${JSON.stringify(name)}`;
  if (!SKILL_NAME.test(name))
    throw misuse(
      `${where}: the name must be 1-64 characters of a-z, 0-9 and "-", without a leading, trailing or doubled "-" (Agent Skills naming)`,
    );
  if (frontmatter.description.length > 1024) throw misuse(`${where}: the description must be at most 1024 characters`);
  const prefix = source.prefix ?? "";
  if (prefix !== "" && !prefix.split("/").every((seg) => SEGMENT.test(seg)))
    throw misuse(`${where}: prefix ${JSON.stringify(prefix)} must be "/"-separated URI path segments, such as "acme/billing"`);
  const root = `${SKILL_SCHEME}${prefix ? `${prefix}/` : ""}${name}`;
  const paths = Object.keys(files).sort((a, b) => (a === "SKILL.md" ? -1 : b === "SKILL.md" ? 1 : a < b ? -1 : a > b ? 1 : 0));
  if (paths.length > MAX_SKILL_FILES) throw misuse(`${where}: ${paths.length} files; a skill may have at most ${MAX_SKILL_FILES}`);
  let total = 0;
  const out: File[] = [];
  for (const path of paths) {
    if (
      path.startsWith("/") ||
      path.includes("\\") ||
      path.split("/").some((seg) => seg === "" || seg === "." || seg === ".." || hasControl(seg))
    )
      throw misuse(
        `${where}: file path ${JSON.stringify(path)} must be relative, "/"-separated, without "." or ".." segments or control characters`,
      );
    const content = files[path]!;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    if (!(bytes instanceof Uint8Array)) throw misuse(`${where}: file ${JSON.stringify(path)} must be a string or a Uint8Array`);
    total += bytes.length;
    const mimeType = mimeTypeOf(path);
    const text = typeof content === "string" ? content : isText(mimeType) ? decodeUtf8(bytes) : undefined;
    // A segment a URI cannot carry as is ("my invoice.md") is percent-encoded rather than refused.
    const uriPath = path
      .split("/")
      .map((seg) => (SEGMENT.test(seg) ? seg : encodeURIComponent(seg)))
      .join("/");
    out.push({ uri: `${root}/${uriPath}`, bytes, text, mimeType });
  }
  if (total > MAX_SKILL_BYTES) throw misuse(`${where}: ${total} bytes in all; a skill may hold at most ${MAX_SKILL_BYTES}`);
  return { root, skillMd: `${root}/SKILL.md`, frontmatter, files: out };
}

async function entryOf(skill: Skill): Promise<SkillEntry> {
  const resources = await Promise.all(
    skill.files.map(async (f) => ({ uri: f.uri, digest: await digestOf(f.bytes), size: f.bytes.length })),
  );
  return { uri: skill.skillMd, frontmatter: skill.frontmatter, resources };
}

/** directories maps every directory URI (each skill's root and the folders under it) to its direct children. */
function directories(skills: Skill[]): Map<string, Resource[]> {
  const dirs = new Map<string, Map<string, Resource>>();
  const child = (dir: string) => dirs.get(dir) ?? dirs.set(dir, new Map()).get(dir)!;
  for (const s of skills) {
    child(s.root);
    for (const f of s.files) {
      const segs = f.uri.slice(s.root.length + 1).split("/");
      let dir = s.root;
      for (const seg of segs.slice(0, -1)) {
        const sub = `${dir}/${seg}`;
        child(dir).set(sub, { uri: sub, name: seg, mimeType: DIRECTORY });
        child(sub);
        dir = sub;
      }
      child(dir).set(f.uri, { uri: f.uri, name: segs[segs.length - 1]!, mimeType: f.mimeType, size: f.bytes.length });
    }
  }
  return new Map([...dirs].map(([d, c]) => [d, [...c.values()].sort((a, b) => (a.uri < b.uri ? -1 : 1))]));
}

const TYPES: Record<string, string> = {
  md: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  py: "text/x-python",
  js: "text/javascript",
  ts: "text/x-typescript",
  sh: "text/x-shellscript",
  html: "text/html",
  css: "text/css",
  csv: "text/csv",
  xml: "application/xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  pdf: "application/pdf",
};

function mimeTypeOf(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) ?? "application/octet-stream";
}

function isText(mimeType: string): boolean {
  return mimeType.startsWith("text/") || /json|yaml|xml|svg/.test(mimeType);
}

/** The bytes as text when they are valid UTF-8 (a BOM kept, so the text encodes back to the same bytes), else undefined. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function encodeCursor(offset: number): string {
  return btoa(`skills:${offset}`);
}

function decodeCursor(cursor: string, length: number): number {
  let m: RegExpExecArray | null = null;
  try {
    m = /^skills:(\d+)$/.exec(atob(cursor));
  } catch {
    // not base64: refused below
  }
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 0 && n <= length)) throw new ProtocolError(ErrorCode.InvalidParams, "invalid params: unknown cursor; start again without one");
  return n;
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

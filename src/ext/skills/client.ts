/**
 * Skills, client side (SEP-2640): list a server's skills, load one, and read its files — each file checked
 * against the entry (listed, size, digest, and for SKILL.md the frontmatter field by field) before anything of it
 * is returned. Nothing is read ahead of need: listing reads no file, loading reads only SKILL.md, and a supporting
 * file is read when asked for.
 */
import { ProtocolError, TrellisError } from "../../protocol/errors.js";
import type { ReadResourceResult } from "../../protocol/generated/schema-types.js";
import { base64ToBytes } from "../../internal/base64.js";
import type { McpClient } from "../../client/client.js";
import { defineClientExtension, type ClientExtension } from "../../client/extension.js";
import { MAX_SKILL_BYTES, SKILLS_EXTENSION, digestOf, parseSkillMd, sameJson, type SkillEntry, type SkillFrontmatter } from "./skill.js";

/** A loaded skill: its entry, SKILL.md (verified), and a reader for its other files. */
export interface LoadedSkill {
  entry: SkillEntry;
  frontmatter: SkillFrontmatter;
  /** SKILL.md without its frontmatter. */
  body: string;
  /** The text of SKILL.md as served. */
  text: string;
  /**
   * readFile reads one file of the skill by its path in the skill ("references/FORMS.md") or its URI, verified
   * against the entry. Files the entry does not list are refused without a request.
   */
  readFile(pathOrUri: string): Promise<{ uri: string; bytes: Uint8Array; text?: string; mimeType?: string }>;
}

export interface SkillsClientApi {
  /** Whether the connected server declared the extension. */
  readonly available: boolean;
  /** Whether the server serves resources/directory/read. */
  readonly directoryRead: boolean;
  /** Every skill the server lists (all pages). Reads no file. */
  list(): Promise<SkillEntry[]>;
  /** One skill's entry by its SKILL.md URI (skills/get). */
  get(uri: string): Promise<SkillEntry>;
  /** Reads and verifies SKILL.md; throws TrellisError VERIFICATION_FAILED and returns nothing of it when any check fails. */
  load(skill: SkillEntry | string): Promise<LoadedSkill>;
  /** The direct children of a skill directory (resources/directory/read), when the server serves it. */
  readDirectory(uri: string): Promise<Array<{ uri: string; name: string; mimeType?: string; size?: number }>>;
}

export interface SkillsClientOptions {
  /** Largest file this client accepts, in bytes. Default 16 MiB (the SEP's per-skill total). */
  maxFileBytes?: number;
  /** Skills listed without their files (generated on demand) cannot be verified; load them anyway? Default false. */
  allowDynamic?: boolean;
  /** The most pages list() and readDirectory() follow from one server before giving up. Default 1000. */
  maxPages?: number;
  /** Called for each listed entry that breaks the SEP's rules; list() leaves it out and goes on. */
  onInvalidEntry?: (error: TrellisError, entry: unknown) => void;
}

/** skillsClient is the Skills extension for McpClient: `const skills = client.use(skillsClient())`. */
export function skillsClient(options: SkillsClientOptions = {}): ClientExtension<SkillsClientApi> {
  const maxBytes = options.maxFileBytes ?? MAX_SKILL_BYTES;
  const maxPages = options.maxPages ?? 1000;
  return defineClientExtension({
    id: SKILLS_EXTENSION,
    setup({ client }) {
      const settings = () => client.serverCapabilities?.extensions?.[SKILLS_EXTENSION] as { directoryRead?: boolean } | undefined;
      const need = () => {
        if (!settings()) throw new TrellisError("CAPABILITY_MISSING", `the server did not declare the ${SKILLS_EXTENSION} extension`);
      };
      const api: SkillsClientApi = {
        get available() {
          return settings() !== undefined;
        },
        get directoryRead() {
          return settings()?.directoryRead === true;
        },
        async list() {
          need();
          const out: SkillEntry[] = [];
          const seen = new Set<string>();
          let cursor: string | undefined;
          let pages = 0;
          do {
            if (++pages > maxPages) throw invalid(`skills/list went on past ${maxPages} pages (maxPages)`);
            const page = await client.request("skills/list", cursor === undefined ? {} : { cursor });
            if (!Array.isArray(page.skills)) throw invalid("skills/list returned no skills array");
            for (const e of page.skills) {
              try {
                out.push(checkEntry(e));
              } catch (err) {
                if (!(err instanceof TrellisError)) throw err;
                options.onInvalidEntry?.(err, e);
              }
            }
            cursor = typeof page.nextCursor === "string" && page.nextCursor !== "" ? page.nextCursor : undefined;
            if (cursor !== undefined && seen.has(cursor)) throw invalid("skills/list repeated a cursor");
            if (cursor !== undefined) seen.add(cursor);
          } while (cursor !== undefined);
          return out;
        },
        async get(uri) {
          need();
          const r = await client.request("skills/get", { uri });
          const entry = checkEntry(r.skill);
          if (entry.uri !== uri) throw invalid(`skills/get for ${uri} answered with ${entry.uri}`);
          return entry;
        },
        async load(skill) {
          const entry = typeof skill === "string" ? await api.get(skill) : checkEntry(skill);
          if (entry.resources === "dynamic" && !options.allowDynamic)
            throw failed(
              entry.uri,
              "the entry lists no files (a skill generated on demand), so nothing can be verified; pass allowDynamic to load it anyway",
            );
          const md = await readVerified(client, entry, entry.uri, maxBytes);
          if (md.text === undefined) throw failed(entry.uri, "SKILL.md is not text");
          let parsed: ReturnType<typeof parseSkillMd>;
          try {
            parsed = parseSkillMd(md.text);
          } catch (err) {
            throw failed(entry.uri, (err as Error).message);
          }
          const keys = new Set([...Object.keys(parsed.frontmatter), ...Object.keys(entry.frontmatter)]);
          for (const k of keys)
            if (
              Object.hasOwn(parsed.frontmatter, k) !== Object.hasOwn(entry.frontmatter, k) ||
              !sameJson(parsed.frontmatter[k], entry.frontmatter[k])
            )
              throw failed(entry.uri, `frontmatter field ${JSON.stringify(k)} differs from the listed entry`);
          const root = entry.uri.slice(0, -"/SKILL.md".length);
          return {
            entry,
            frontmatter: parsed.frontmatter,
            body: parsed.body,
            text: md.text,
            readFile: (p) => readVerified(client, entry, p.includes("://") ? p : `${root}/${p.replace(/^\.?\//, "")}`, maxBytes),
          };
        },
        async readDirectory(uri) {
          need();
          if (!api.directoryRead) throw new TrellisError("CAPABILITY_MISSING", "the server did not declare directoryRead");
          const out: Array<{ uri: string; name: string; mimeType?: string; size?: number }> = [];
          const seen = new Set<string>();
          let cursor: string | undefined;
          let pages = 0;
          do {
            if (++pages > maxPages) throw invalid(`resources/directory/read went on past ${maxPages} pages (maxPages)`);
            const page = await client.request("resources/directory/read", cursor === undefined ? { uri } : { uri, cursor });
            if (!Array.isArray(page.resources)) throw invalid("resources/directory/read returned no resources array");
            for (const r of page.resources as typeof out) out.push(r);
            cursor = typeof page.nextCursor === "string" && page.nextCursor !== "" ? page.nextCursor : undefined;
            if (cursor !== undefined && seen.has(cursor)) throw invalid("resources/directory/read repeated a cursor");
            if (cursor !== undefined) seen.add(cursor);
          } while (cursor !== undefined);
          return out;
        },
      };
      return api;
    },
  });
}

/** readVerified reads one listed file and checks its size and digest before returning it. */
async function readVerified(client: McpClient, entry: SkillEntry, uri: string, maxBytes: number) {
  const listed = entry.resources === "dynamic" ? undefined : entry.resources.find((r) => r.uri === uri);
  if (entry.resources !== "dynamic" && !listed) throw failed(uri, "the file is not listed in the skill's entry");
  if (listed?.size !== undefined && listed.size > maxBytes)
    throw failed(uri, `the entry says ${listed.size} bytes, over this client's limit of ${maxBytes}`);
  let result: ReadResourceResult;
  try {
    result = await client.readResource(uri);
  } catch (err) {
    if (err instanceof ProtocolError) throw new TrellisError("REQUEST_FAILED", `reading ${uri}: ${err.message}`, { cause: err });
    throw err;
  }
  const content = result.contents?.find((c) => c.uri === uri) ?? result.contents?.[0];
  if (!content) throw failed(uri, "the server returned no contents");
  const text = "text" in content && typeof content.text === "string" ? content.text : undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = text !== undefined ? new TextEncoder().encode(text) : "blob" in content ? base64ToBytes(content.blob as string) : undefined;
  } catch {
    throw failed(uri, "the blob is not base64");
  }
  if (!bytes) throw failed(uri, "the contents hold neither text nor blob");
  if (bytes.length > maxBytes) throw failed(uri, `${bytes.length} bytes, over this client's limit of ${maxBytes}`);
  if (listed) {
    if (listed.size !== undefined && bytes.length !== listed.size)
      throw failed(uri, `${bytes.length} bytes where the entry says ${listed.size}`);
    const digest = await digestOf(bytes);
    if (digest !== listed.digest) throw failed(uri, `digest ${digest} where the entry says ${listed.digest}`);
  }
  return { uri, bytes, text, mimeType: content.mimeType };
}

/**
 * checkEntry checks an entry against the SEP before anything relies on it: the name is the URI's last path
 * segment, and every listed file is SKILL.md or lies under the skill's directory, so a server can neither
 * mislabel a skill nor have another skill's files verified as this one's. An entry without `resources` (or with
 * the sentinel "dynamic") is a skill generated on demand; `size` is optional.
 */
function checkEntry(e: unknown): SkillEntry {
  const x = e as SkillEntry;
  if (typeof x !== "object" || x === null || typeof x.uri !== "string" || !x.uri.endsWith("/SKILL.md"))
    throw invalid("a skill entry needs a uri ending in /SKILL.md");
  const fm = x.frontmatter;
  if (typeof fm !== "object" || fm === null || typeof fm.name !== "string" || typeof fm.description !== "string")
    throw invalid(`skill ${x.uri}: frontmatter needs a name and a description`);
  const root = x.uri.slice(0, -"/SKILL.md".length);
  if (root.slice(root.lastIndexOf("/") + 1) !== fm.name)
    throw invalid(`skill ${x.uri}: the last segment of its path must equal its frontmatter name ${JSON.stringify(fm.name)}`);
  if (x.resources === undefined || x.resources === "dynamic") return { ...x, resources: "dynamic" };
  if (!Array.isArray(x.resources)) throw invalid(`skill ${x.uri}: resources must be a list of {uri, digest}`);
  for (const r of x.resources) {
    if (typeof r?.uri !== "string" || typeof r.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(r.digest))
      throw invalid(`skill ${x.uri}: each resource needs a uri and a sha256 digest`);
    if (r.size !== undefined && (!Number.isInteger(r.size) || r.size < 0))
      throw invalid(`skill ${x.uri}: a resource's size must be a whole number`);
    if (r.uri !== x.uri && !(r.uri.startsWith(`${root}/`) && !/\/\.\.?(\/|$)/.test(r.uri.slice(root.length))))
      throw invalid(`skill ${x.uri}: ${r.uri} is outside the skill's directory`);
  }
  return x;
}

function invalid(message: string): TrellisError {
  return new TrellisError("INVALID_MESSAGE", message);
}

function failed(uri: string, why: string): TrellisError {
  return new TrellisError("VERIFICATION_FAILED", `skill verification failed for ${uri}: ${why}; the content was not used`);
}

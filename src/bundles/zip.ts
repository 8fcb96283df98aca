/**
 * ZIP for bundles. Writing uses fflate. Reading is done here, entry by entry from the central directory, because
 * a bundle is untrusted input: every name is checked before anything is written (no "..", absolute paths, drive
 * letters, backslashes, NUL, duplicates — case-insensitively, since macOS and Windows fold case), links are read as
 * links and refused when they point out of the bundle, and sizes are enforced while inflating (the declared size
 * is the most that may come out, so a header that lies cannot smuggle a bomb past the total and ratio limits).
 */
import { inflateRawSync } from "node:zlib";
import { zipSync, type Zippable } from "fflate";
import { visible } from "../internal/terminal.js";
import { TrellisError } from "../protocol/errors.js";

export interface ZipLimits {
  /** Most entries. Default 20 000. */
  maxEntries?: number;
  /** Most bytes unpacked, all entries together. Default 512 MiB. */
  maxTotalBytes?: number;
  /** Most unpacked-to-packed ratio of an entry over 1 MiB. Default 200. */
  maxRatio?: number;
}

export interface ZipEntry {
  name: string;
  /** The file's bytes; for a link, its target. */
  data: Uint8Array;
  link?: boolean;
  /** Unix mode bits (permissions), when the archive carries them. */
  mode?: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** bad: a refusal. Its message quotes names and link targets from the archive, so it is made visible whole. */
function bad(message: string): TrellisError {
  return new TrellisError("INVALID_MESSAGE", visible(message));
}

/** checkEntryName refuses names that could write outside the folder a bundle is unpacked into. */
export function checkEntryName(name: string): string | undefined {
  if (name === "" || name.includes("\0")) return "an empty name or one with a NUL byte";
  if (name.includes("\\")) return "a backslash (on Windows it separates folders)";
  if (name.startsWith("/")) return "an absolute path";
  if (/^[A-Za-z]:/.test(name)) return "a drive letter";
  if (name.split("/").some((seg) => seg === "..")) return 'a ".." segment (path traversal)';
  // "./a", "a//b" and "a/./b" name the same file as "a" or "a/b" to a file system, so they would dodge the duplicate check.
  if (
    name
      .replace(/\/$/, "")
      .split("/")
      .some((seg) => seg === "" || seg === ".")
  )
    return 'an empty or "." segment';
  return undefined;
}

/** readZip reads every entry of a ZIP held in memory, under the limits; bytes after the archive (a signature block) are ignored. */
export function readZip(zip: Uint8Array, limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? 20_000;
  const maxTotal = limits.maxTotalBytes ?? 512 * 1024 * 1024;
  const maxRatio = limits.maxRatio ?? 200;
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535 - 64 * 1024); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad("not a ZIP archive (no end of central directory)");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad("ZIP64 archives are not supported for bundles");
  if (count > maxEntries) throw bad(`the archive has ${count} entries; at most ${maxEntries} are accepted`);
  if (cdOffset + cdSize > eocd) throw bad("the central directory lies outside the archive");
  const out: ZipEntry[] = [];
  const names = new Set<string>();
  const offsets = new Set<number>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CENTRAL) throw bad("a central directory entry is damaged");
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const packed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const madeBy = view.getUint16(p + 4, true) >> 8;
    const external = view.getUint32(p + 38, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder("utf-8", { fatal: false }).decode(zip.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw bad(`${name}: encrypted entries are not accepted`);
    const problem = checkEntryName(name);
    if (problem) throw bad(`${JSON.stringify(name)}: ${problem} is not allowed in a bundle`);
    const key = name.replace(/\/+$/, "").toLowerCase();
    if (names.has(key)) throw bad(`${JSON.stringify(name)} appears twice (names are compared without case)`);
    names.add(key);
    const unixMode = madeBy === 3 ? external >>> 16 : 0;
    const isDir = name.endsWith("/") || (unixMode & S_IFMT) === S_IFDIR;
    if (isDir) continue;
    total += size;
    if (total > maxTotal) throw bad(`the archive unpacks to more than ${maxTotal} bytes (a ZIP bomb?)`);
    if (total > 64 * 1024 * 1024 && total > zip.length * maxRatio)
      throw bad(`the archive unpacks to over ${maxRatio} times its size (a ZIP bomb?)`);
    if (size > 1024 * 1024 && size > packed * maxRatio)
      throw bad(`${name}: ${size} bytes from ${packed} packed (ratio over ${maxRatio}: a ZIP bomb?)`);
    if (localOffset + 30 > cdOffset || view.getUint32(localOffset, true) !== LOCAL) throw bad(`${name}: its local header is damaged`);
    // Readers that walk local headers must see the same file: same name, same method; and no two entries share data.
    const localNameLen = view.getUint16(localOffset + 26, true);
    if (
      view.getUint16(localOffset + 8, true) !== method ||
      localNameLen !== nameLen ||
      !zip.subarray(localOffset + 30, localOffset + 30 + localNameLen).every((b, k) => b === zip[p - nameLen - extraLen - commentLen + k])
    )
      throw bad(`${name}: its local header names another file or method than the central directory`);
    if (offsets.has(localOffset)) throw bad(`${name}: shares its data with another entry`);
    offsets.add(localOffset);
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + packed > cdOffset) throw bad(`${name}: its data runs past the archive`);
    const raw = zip.subarray(dataStart, dataStart + packed);
    let data: Uint8Array;
    if (method === 0) {
      if (packed !== size) throw bad(`${name}: stored with a size that does not match`);
      data = raw;
    } else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
      } catch {
        throw bad(`${name}: inflates to more than the ${size} bytes its header declares, or is damaged`);
      }
      if (data.length !== size) throw bad(`${name}: inflates to ${data.length} bytes, not the ${size} declared`);
    } else throw bad(`${name}: compression method ${method} is not supported (stored or deflate only)`);
    if (crc32(data) !== crc) throw bad(`${name}: its checksum does not match (damaged or tampered)`);
    const link = (unixMode & S_IFMT) === S_IFLNK;
    if (link) {
      const target = new TextDecoder().decode(data);
      const dir = name.split("/").slice(0, -1);
      if (target.startsWith("/") || target.includes("\\") || /^[A-Za-z]:/.test(target))
        throw bad(`${name}: a link to ${target}, outside the bundle`);
      for (const seg of target.split("/")) {
        if (seg === "..") {
          if (dir.length === 0) throw bad(`${name}: a link to ${target}, outside the bundle`);
          dir.pop();
        } else if (seg !== "." && seg !== "") dir.push(seg);
      }
    }
    out.push({ name, data, ...(link ? { link: true } : {}), ...(unixMode & 0o777 ? { mode: unixMode & 0o777 } : {}) });
  }
  checkLinks(out);
  return out;
}

/**
 * checkLinks: a link's target was checked by name alone, which holds only if no path goes through another link —
 * otherwise "p -> ." and "p/p/p/x -> ../../.." really point outside. So nothing may sit under a link, and a link
 * may not point at (or through) another link.
 */
function checkLinks(entries: ZipEntry[]): void {
  const links = new Set(entries.filter((e) => e.link).map((e) => e.name.replace(/\/+$/, "")));
  if (links.size === 0) return;
  const throughLink = (path: string) => {
    const segs = path.split("/");
    for (let i = 1; i <= segs.length; i++) if (links.has(segs.slice(0, i).join("/"))) return segs.slice(0, i).join("/");
    return undefined;
  };
  for (const e of entries) {
    const name = e.name.replace(/\/+$/, "");
    const parent = name.split("/").slice(0, -1).join("/");
    const via = parent ? throughLink(parent) : undefined;
    if (via) throw bad(`${e.name} lies under the link ${via}; links may not stand for folders in a bundle`);
    if (!e.link) continue;
    const dir = name.split("/").slice(0, -1);
    for (const seg of new TextDecoder().decode(e.data).split("/")) {
      if (seg === "..") dir.pop();
      else if (seg !== "." && seg !== "") dir.push(seg);
    }
    const target = throughLink(dir.join("/"));
    if (target) throw bad(`${e.name} points at the link ${target}; links to links are not allowed`);
  }
}

/** writeZip builds a ZIP (deflate, fixed timestamps so the same files give the same bytes); `modes` keeps exec bits. */
export function writeZip(files: Array<{ name: string; data: Uint8Array; mode?: number }>): Uint8Array {
  const tree: Zippable = {};
  for (const f of files) {
    const problem = checkEntryName(f.name);
    if (problem) throw bad(`cannot pack ${JSON.stringify(f.name)}: ${problem}`);
    tree[f.name] = [
      f.data,
      { level: 9, mtime: new Date("2020-01-01T00:00:00Z"), os: 3, attrs: ((0o100000 | (f.mode ?? 0o644)) << 16) >>> 0 },
    ];
  }
  return zipSync(tree);
}

let table: Uint32Array | undefined;
/** crc32 (the ZIP checksum). */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

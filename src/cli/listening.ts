/**
 * Which TCP ports a process (or one it started) listens on, read from Linux's /proc. The CLI starts servers over
 * stdio; one that serves HTTP instead answers nothing there, and a person waits for a timeout that does not say why.
 * Seeing the port it opened lets `trellis list -- node server.js` say "this is an HTTP server, use its URL" within
 * a second or two, and lets `trellis dev` connect to it over HTTP. Elsewhere (macOS, Windows) nothing is known and
 * callers fall back to saying what they expected.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ListeningPort {
  /** The address to reach it on: a wildcard listener (0.0.0.0, ::) is reached on loopback. */
  host: string;
  port: number;
}

/** The processes by parent, from /proc. */
function parents(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone since the listing
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** childrenOf: the processes `pid` started (empty where /proc cannot tell). */
export function childrenOf(pid: number): number[] {
  if (process.platform !== "linux") return [];
  try {
    return parents().get(pid) ?? [];
  } catch {
    return [];
  }
}

/** descendants: `pid` and every process below it (a server started through npx, npm or a shell is a grandchild). */
function descendants(pid: number): number[] {
  const children = parents();
  const out: number[] = [];
  for (const queue = [pid]; queue.length; ) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** socketInodes: the inodes of the sockets process `pid` holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed since the listing
    }
  }
  return inodes;
}

/**
 * hostOf reads the address of a /proc/net/tcp{,6} entry (each 32-bit word little-endian) as a host to connect to: a
 * wildcard listener is reached on loopback, an IPv4-mapped one on its IPv4 address.
 */
export function hostOf(hex: string): string {
  const word = (w: string) => [6, 4, 2, 0].map((i) => w.slice(i, i + 2)).join("");
  if (hex.length === 8) {
    const ip = word(hex)
      .match(/../g)!
      .map((b) => Number.parseInt(b, 16))
      .join(".");
    return ip === "0.0.0.0" ? "127.0.0.1" : ip;
  }
  const bytes = [0, 8, 16, 24]
    .map((i) => word(hex.slice(i, i + 8)))
    .join("")
    .toLowerCase();
  if (bytes.startsWith("00000000000000000000ffff")) return hostOf(hex.slice(24));
  if (/^0{32}$/.test(bytes)) return "::1";
  const groups = bytes.match(/.{4}/g)!.map((g) => g.replace(/^0{1,3}/, ""));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/**
 * listeningPorts: the TCP ports `pid` and its descendants listen on, or undefined where /proc cannot tell (not
 * Linux). Never throws: a process that ends while it is read has no ports.
 */
export function listeningPorts(pid: number | undefined): ListeningPort[] | undefined {
  if (pid === undefined || process.platform !== "linux") return undefined;
  try {
    const inodes = new Set<string>();
    for (const p of descendants(pid)) for (const i of socketInodes(p)) inodes.add(i);
    if (!inodes.size) return [];
    const out: ListeningPort[] = [];
    for (const file of ["tcp", "tcp6"]) {
      let table: string;
      try {
        table = readFileSync(`/proc/${pid}/net/${file}`, "utf8");
      } catch {
        continue;
      }
      for (const line of table.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        // f[1] local address, f[3] state (0A: LISTEN), f[9] inode
        if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9]!)) continue;
        const [addr, port] = f[1]!.split(":");
        const entry = { host: hostOf(addr!), port: Number.parseInt(port!, 16) };
        if (!out.some((o) => o.port === entry.port)) out.push(entry);
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/** The URL an MCP server listening on `p` most likely serves (Trellis's serveHttp and the SDKs use /mcp). */
export function likelyUrl(p: ListeningPort, path = "/mcp"): string {
  return `http://${p.host.includes(":") ? `[${p.host}]` : p.host}:${p.port}${path}`;
}

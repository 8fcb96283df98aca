/**
 * MCP client configuration files: where each client keeps its local servers and in what shape, so that an
 * installed server can be added and removed without touching anything else in the file.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, realpath, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { TrellisError } from "../protocol/errors.js";

export type ClientName = "claude-desktop" | "claude-code" | "vscode" | "cursor" | "trellis";
export const CLIENT_NAMES: ClientName[] = ["claude-desktop", "claude-code", "vscode", "cursor", "trellis"];

export interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const home = () => process.env.HOME ?? homedir();

/** configPath is where `client` keeps its servers on this machine (VS Code: the workspace's .vscode/mcp.json). */
export function configPath(client: ClientName): string {
  switch (client) {
    case "claude-desktop":
      if (process.platform === "darwin") return join(home(), "Library/Application Support/Claude/claude_desktop_config.json");
      if (process.platform === "win32") return join(process.env.APPDATA ?? home(), "Claude/claude_desktop_config.json");
      return join(process.env.XDG_CONFIG_HOME ?? join(home(), ".config"), "Claude/claude_desktop_config.json");
    case "claude-code":
      return join(home(), ".claude.json");
    case "vscode":
      return join(process.cwd(), ".vscode/mcp.json");
    case "cursor":
      return join(home(), ".cursor/mcp.json");
    case "trellis":
      return join(home(), ".trellis/servers.json");
  }
}

/** shape: the key servers sit under, and the shape of one entry, per client (what addServer writes). */
export function shape(client: ClientName, e: ServerEntry): { key: string; entry: Record<string, unknown> } {
  const env = Object.keys(e.env).length ? { env: e.env } : {};
  if (client === "vscode") return { key: "servers", entry: { type: "stdio", command: e.command, args: e.args, ...env } };
  if (client === "claude-code") return { key: "mcpServers", entry: { type: "stdio", command: e.command, args: e.args, ...env } };
  if (client === "trellis") return { key: "servers", entry: { command: e.command, args: e.args, ...env } };
  return { key: "mcpServers", entry: { command: e.command, args: e.args, ...env } };
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    // Only a missing file is an empty configuration; one we cannot read is not to be replaced.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new TrellisError("REQUEST_FAILED", `${path} cannot be read (${(err as Error).message}); it was not changed`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (err) {
    throw new TrellisError(
      "INVALID_MESSAGE",
      `${path} is not a JSON object (${(err as Error).message}); fix or move it first, it was not changed`,
    );
  }
}

/** writeAtomically writes a file through a temporary one, with `mode`. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Through a link to the real file (dotfile managers), and never looser than the file was (it may hold other keys).
  const real = await realpath(path).catch(() => path);
  const existing = await stat(real).then(
    (st) => st.mode & 0o777,
    () => undefined,
  );
  const finalMode = existing === undefined ? mode : existing & mode;
  const tmp = `${real}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, { mode: finalMode, flag: "wx" });
  await rename(tmp, real);
}

/**
 * addServer puts `name` into the client's file (replacing an entry of that name), keeping everything else. With
 * `secret` set (the entry holds sensitive values) the file is made readable by its owner only.
 */
export async function addServer(
  client: ClientName,
  name: string,
  e: ServerEntry,
  o: { path?: string; secret?: boolean } = {},
): Promise<string> {
  const path = o.path ?? configPath(client);
  const config = await readConfig(path);
  const { key, entry } = shape(client, e);
  const servers = (typeof config[key] === "object" && config[key] !== null ? config[key] : {}) as Record<string, unknown>;
  config[key] = { ...servers, [name]: entry };
  await writeAtomically(path, `${JSON.stringify(config, null, 2)}\n`, o.secret ? 0o600 : 0o644);
  return path;
}

/** removeServer takes `name` out of the client's file; false when it was not there. */
export async function removeServer(client: ClientName, name: string, o: { path?: string } = {}): Promise<boolean> {
  const path = o.path ?? configPath(client);
  const config = await readConfig(path);
  const key = shape(client, { command: "", args: [], env: {} }).key;
  const servers = config[key] as Record<string, unknown> | undefined;
  if (!servers || !(name in servers)) return false;
  delete servers[name];
  await writeAtomically(path, `${JSON.stringify(config, null, 2)}\n`, 0o600);
  return true;
}

/** readServer reads one server's entry back (command, args, env), as a client would start it. */
export async function readServer(client: ClientName, name: string, o: { path?: string } = {}): Promise<ServerEntry | undefined> {
  const config = await readConfig(o.path ?? configPath(client));
  const key = shape(client, { command: "", args: [], env: {} }).key;
  const e = (config[key] as Record<string, { command: string; args?: string[]; env?: Record<string, string> }> | undefined)?.[name];
  return e ? { command: e.command, args: e.args ?? [], env: e.env ?? {} } : undefined;
}

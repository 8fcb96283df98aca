/**
 * The servers `trellis install --client trellis` wrote (~/.trellis/servers.json), by name: the client commands take
 * such a name where they take a URL or `-- command`, so that what was installed for Trellis can be used by name.
 */
import { readFileSync } from "node:fs";
import { configPath } from "../bundles/clients.js";
import { CliError } from "./config.js";

/** One installed server: how to start it over stdio (what install writes), or its URL. */
export type InstalledServer = { command: string[]; env?: Record<string, string> } | { url: URL };

/** installedServers reads the file; a missing one is no servers, an unreadable or malformed one is an error that says so. */
export function installedServers(path = configPath("trellis")): Map<string, InstalledServer> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw new CliError(`${path} cannot be read: ${(err as Error).message}`);
  }
  let servers: unknown;
  try {
    servers = (JSON.parse(text) as { servers?: unknown }).servers;
  } catch (err) {
    throw new CliError(`${path} is not JSON (${(err as Error).message}); fix or remove it`);
  }
  const out = new Map<string, InstalledServer>();
  if (typeof servers !== "object" || servers === null) return out;
  for (const [name, raw] of Object.entries(servers)) {
    const e = raw as { command?: unknown; args?: unknown; env?: unknown; url?: unknown };
    if (typeof e?.url === "string") {
      try {
        out.set(name, { url: new URL(e.url) });
      } catch {
        // not a URL: left out, as an entry nothing can start
      }
    } else if (typeof e?.command === "string" && e.command !== "") {
      const args = Array.isArray(e.args) ? e.args.filter((a): a is string => typeof a === "string") : [];
      const env =
        typeof e.env === "object" && e.env !== null
          ? Object.fromEntries(Object.entries(e.env).filter((kv): kv is [string, string] => typeof kv[1] === "string"))
          : undefined;
      out.set(name, { command: [e.command, ...args], ...(env ? { env } : {}) });
    }
  }
  return out;
}

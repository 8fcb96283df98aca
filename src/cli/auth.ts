/**
 * `trellis auth login | logout | status`: the OAuth client with a loopback redirect. Tokens are kept in the
 * user's configuration directory (credentials.json, mode 0600) and used by every other command against that
 * server; they are refreshed when they expire, and never sent to another server.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { StoredTokens } from "../auth/index.js";
import { visible } from "../internal/terminal.js";
import { CliError, credentialsFile, writePrivate } from "./target.js";
import { signIn } from "./sign-in.js";
import type { CliIo } from "./client-commands.js";
import { printJson } from "./output.js";

function savedTokens(): Record<string, StoredTokens> {
  try {
    const all = JSON.parse(readFileSync(credentialsFile(), "utf8")) as Record<string, unknown>;
    const out: Record<string, StoredTokens> = {};
    for (const [k, v] of Object.entries(all)) if (k.startsWith("tokens ")) out[k.slice(7)] = v as StoredTokens;
    return out;
  } catch {
    return {};
  }
}

function serverUrl(raw: string): URL {
  try {
    const u = new URL(raw);
    if (u.protocol === "http:" || u.protocol === "https:") return u;
  } catch {
    // fall through
  }
  throw new CliError(`not an http(s) URL: ${raw}`);
}

export function addAuthCommands(program: Command, io: CliIo): void {
  const auth = program.command("auth").description("sign in to MCP servers that need it; tokens are kept for the other commands");
  auth
    .command("login")
    .description("sign in through your browser (a loopback redirect), and keep the tokens")
    .argument("<url>", "the MCP server")
    .option("--client-id <id>", "a client pre-registered with the authorization server (default: CIMD or DCR, as it offers)")
    .option("--client-secret <secret>", "its secret, for a confidential client")
    .option("--scope <scope>", "ask for exactly these scopes (a new sign-in, even while signed in)")
    .option("--port <port>", "the loopback port for the redirect (default: any free one)", (v) => Number(v), 0)
    .addHelpText("after", "\nExample:\n  trellis auth login https://mcp.example.com/mcp")
    .action(async (raw: string, o: { clientId?: string; clientSecret?: string; scope?: string; port: number }) => {
      const url = serverUrl(raw);
      const t = await signIn(url, o, io.err);
      const granted = t?.scope ? ` (scopes: ${t.scope})` : "";
      io.out(`${visible(`signed in to ${url.href}${granted}`)}\n`);
      const asked = (o.scope ?? "").split(/\s+/).filter(Boolean);
      const got = new Set((t?.scope ?? "").split(/\s+/));
      const missing = t?.scope === undefined ? [] : asked.filter((x) => !got.has(x));
      if (missing.length) io.err(`${visible(`trellis: the authorization server did not grant ${missing.join(" ")}`)}\n`);
    });

  auth
    .command("status")
    .description("the servers you are signed in to, and until when")
    .option("--json", "print JSON (tokens left out)")
    .action((o: { json?: boolean }) => {
      const now = Date.now();
      const show = { out: (t: string) => io.out(t.split("\n").map(visible).join("\n")) };
      const rows = Object.entries(savedTokens()).map(([server, t]) => ({
        server,
        issuer: t.issuer,
        scope: t.scope,
        type: t.tokenType,
        expiresAt: t.expiresAt === undefined ? undefined : new Date(t.expiresAt).toISOString(),
        expired: t.expiresAt !== undefined && t.expiresAt <= now,
        refreshable: t.refreshToken !== undefined,
      }));
      if (o.json) return printJson(io, rows);
      if (rows.length === 0) return io.out("not signed in anywhere; trellis auth login <url>\n");
      for (const r of rows)
        show.out(
          `${r.server}  ${r.type}${r.scope ? `  ${r.scope}` : ""}  ${r.expired ? (r.refreshable ? "expired (will refresh)" : "expired") : r.expiresAt ? `until ${r.expiresAt}` : ""}\n`,
        );
    });

  auth
    .command("logout")
    .description("forget the tokens for a server")
    .argument("<url>", "the MCP server")
    .action((raw: string) => {
      const url = serverUrl(raw);
      const path = credentialsFile();
      let all: Record<string, unknown> = {};
      try {
        all = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
      } catch {
        // nothing saved
      }
      if (!(`tokens ${url.href}` in all)) return io.out(`not signed in to ${url.href}\n`);
      delete all[`tokens ${url.href}`];
      writePrivate(path, JSON.stringify(all, null, 2));
      io.out(`signed out of ${url.href}\n`);
    });
}

#!/usr/bin/env node
/**
 * The `trellis` command. This file only wires subcommands to libraries (commander parses, src/bundles/ works);
 * each subcommand's help ends with an example. Exit code 0 on success, 1 with a message on stderr otherwise.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { addBundleCommands } from "./bundle.js";
import { addInstallCommands } from "./install.js";
import { addClientCommands, splitStdio } from "./client-commands.js";
import { addAuthCommands } from "./auth.js";
import { addInspectCommand } from "./inspect.js";
import { addDevCommand } from "./dev.js";
import { CliError } from "./target.js";
import { visible } from "../internal/terminal.js";

/** The subcommands whose target may be a stdio command after `--`. */
const CLIENT_COMMANDS = new Set(["list", "call", "read", "prompt", "tasks", "inspect"]);

export function program(io: { out(s: string): void; err(s: string): void } = defaultIo, stdio?: () => string[] | undefined): Command {
  const p = new Command("trellis")
    .description("Trellis: the MCP framework's command line")
    .version("0.1.0")
    .showHelpAfterError()
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  trellis list http://127.0.0.1:3000/mcp tools",
        "  trellis call http://127.0.0.1:3000/mcp echo text=hello",
        "  trellis call http://127.0.0.1:3000/mcp long_running_task seconds=5 --task",
        "  trellis list tools -- npx -y @modelcontextprotocol/server-filesystem /tmp",
        "  trellis inspect http://127.0.0.1:3000/mcp",
        "  trellis dev ./server.js",
        "  trellis bundle pack ./my-server my-server.mcpb",
        "  trellis install my-server.mcpb --client claude-desktop",
        "",
        "Exit codes: 0 done; 1 bad usage or a local failure; 2 the server could not be reached; 3 the server",
        "answered with an error; 4 the tool reported an error, or the task failed or was cancelled; 5 the server",
        "needs a sign-in (trellis auth login <url>).",
      ].join("\n"),
    );
  addBundleCommands(p);
  addInstallCommands(p, (s) => p.configureOutput().writeOut?.(s));
  addClientCommands(p, { ...io, progress: process.stderr }, stdio ?? (() => undefined));
  addAuthCommands(p, { ...io, progress: process.stderr });
  addInspectCommand(p, { ...io, progress: process.stderr }, stdio ?? (() => undefined));
  addDevCommand(p, { ...io, progress: process.stderr });
  return p;
}

/** run parses argv and runs; it resolves with the exit code instead of exiting, so tests can call it. */
export async function run(argv: string[], io: { out(s: string): void; err(s: string): void } = defaultIo): Promise<number> {
  // A client command's stdio target follows `--`; commander would mix it into the arguments.
  const split = CLIENT_COMMANDS.has(argv[0] ?? "") ? splitStdio(argv) : { argv, stdio: undefined };
  argv = split.argv;
  const p = program(io, () => split.stdio);
  p.exitOverride();
  p.configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const c of p.commands) for (const s of [c, ...c.commands]) s.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    await p.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    // Messages quote servers, files and peers: each line is made visible before it reaches the terminal.
    const shown = (m: string) => m.split("\n").map(visible).join("\n");
    if (err instanceof CliError) {
      if (err.message) io.err(`trellis: ${shown(err.message)}\n`);
      return err.exitCode;
    }
    io.err(`trellis: ${shown((err as Error).message)}\n`);
    return 1;
  }
}

const defaultIo = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };

// Run when executed (npx and npm link reach this file through a symlink in node_modules/.bin).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href)
  void run(process.argv.slice(2)).then((code) => (process.exitCode = code));

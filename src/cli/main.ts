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

export function program(): Command {
  const p = new Command("trellis")
    .description("Trellis: the MCP framework's command line")
    .version("0.1.0")
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nExamples:\n  trellis bundle pack ./my-server my-server.mcpb\n  trellis bundle validate my-server.mcpb\n  trellis install my-server.mcpb --client claude-desktop\n  trellis run my-server.mcpb",
    );
  addBundleCommands(p);
  addInstallCommands(p, (s) => p.configureOutput().writeOut?.(s));
  return p;
}

/** run parses argv and runs; it resolves with the exit code instead of exiting, so tests can call it. */
export async function run(argv: string[], io: { out(s: string): void; err(s: string): void } = defaultIo): Promise<number> {
  const p = program();
  p.exitOverride();
  p.configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const c of p.commands) for (const s of [c, ...c.commands]) s.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    await p.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.err(`trellis: ${(err as Error).message}\n`);
    return 1;
  }
}

const defaultIo = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };

// Run when executed (npx and npm link reach this file through a symlink in node_modules/.bin).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href)
  void run(process.argv.slice(2)).then((code) => (process.exitCode = code));

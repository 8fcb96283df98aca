/**
 * What every command shares: its exit codes and error, and where the user's configuration lives (tokens, kept
 * sessions), written privately. A leaf module, so that any command file may import it without a cycle.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Exit codes of the client commands (documented in `trellis --help` and the README). */
export const EXIT = { ok: 0, error: 1, connect: 2, protocol: 3, toolError: 4, auth: 5 } as const;

/** CliError carries the exit code a failure ends the command with. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.error) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The user's configuration directory for Trellis (tokens of `trellis auth login`). */
export function configDir(): string {
  return process.env.TRELLIS_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "trellis");
}

/** The credential file `trellis auth` writes (mode 0600). */
export const credentialsFile = () => join(configDir(), "credentials.json");

/** writePrivate writes a file only its owner can read, creating its directory. */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // A new file, private from its first byte, then renamed over the old one: never readable, never half written.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

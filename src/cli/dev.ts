/**
 * `trellis dev <server file>`: runs a server file over stdio inside the dashboard, and starts it again whenever a
 * file under its folder changes (node_modules, dist and dot folders left out), so the page always shows the server
 * as it is now. A `.ts` file runs with Node's type stripping (Node 22.6 or newer).
 */
import { type FSWatcher, existsSync, watch } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Command } from "commander";
import { serveDashboard } from "../dashboard/node.js";
import type { CliIo } from "./client-commands.js";
import { CliError } from "./target.js";

/** The command that runs a server file with this Node. */
export function serverCommand(file: string, args: string[] = [], nodeVersion = process.versions.node): string[] {
  const ts = [".ts", ".mts", ".cts"].includes(extname(file));
  if (ts) {
    const [major = 0, minor = 0] = nodeVersion.split(".").map(Number);
    if (major < 22 || (major === 22 && minor < 6))
      throw new CliError(
        `${file} is TypeScript: running it needs Node 22.6 or newer (this is ${nodeVersion}); compile it first, or run trellis dev on the .js`,
      );
    return [process.execPath, "--experimental-strip-types", "--no-warnings", file, ...args];
  }
  return [process.execPath, file, ...args];
}

/** Paths whose changes do not restart the server. */
const IGNORED = /(^|[/\\])(node_modules|dist|\.[^/\\]+)([/\\]|$)/;

export function addDevCommand(program: Command, io: CliIo): void {
  program
    .command("dev")
    .description("run a server file (over stdio) in the dashboard, and restart it when its files change")
    .argument("<file>", "the server file: it serves MCP over stdio when run")
    .argument("[args...]", "arguments for the server")
    .option("--port <port>", "the dashboard's port (default: any free one)", (v) => Number(v), 0)
    .addHelpText("after", "\nExample:\n  trellis dev ./server.js")
    .action(async (file: string, args: string[], o: { port: number }) => {
      const path = resolve(file);
      if (!existsSync(path)) throw new CliError(`no such file: ${file}`);
      const command = serverCommand(path, args);
      const handle = await serveDashboard({ port: o.port });
      io.out(`${handle.url}\n`);
      let current: string | undefined;
      let restarting: Promise<void> = Promise.resolve();
      const start = async () => {
        if (current) await handle.dashboard.disconnect(current);
        current = undefined;
        try {
          current = String((await handle.dashboard.connect({ command })).id);
          io.err(`trellis dev: ${file} is running\n`);
        } catch (err) {
          io.err(`trellis dev: ${file} did not start: ${(err as Error).message}\n`);
        }
      };
      await start();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onChange = (_event: string, name: string | Buffer | null) => {
        if (name && IGNORED.test(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          io.err(`trellis dev: ${name ?? "a file"} changed; restarting\n`);
          restarting = restarting.then(start);
        }, 150);
      };
      let watcher: FSWatcher;
      try {
        watcher = watch(dirname(path), { recursive: true }, onChange);
      } catch {
        watcher = watch(dirname(path), onChange); // platforms without recursive watching
      }
      watcher.on("error", (err) => io.err(`trellis dev: watching ${dirname(path)} failed (${err.message}); restart trellis dev\n`));
      await new Promise<void>((r) => {
        process.once("SIGINT", () => r());
        process.once("SIGTERM", () => r());
      });
      watcher.close();
      clearTimeout(timer);
      await restarting;
      await handle.close();
    });
}

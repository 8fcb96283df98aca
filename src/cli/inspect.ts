/**
 * `trellis inspect [target]`: the web dashboard on loopback, connected to the target if one is named. The first line
 * on stdout is the address to open (token included), for people and for scripts; it serves until interrupted.
 */
import type { Command } from "commander";
import { serveDashboard } from "../dashboard/node.js";
import type { CliIo } from "./client-commands.js";
import { CliError, EXIT, takeTarget } from "./target.js";

export function addInspectCommand(program: Command, io: CliIo, stdio: () => string[] | undefined): void {
  program
    .command("inspect")
    .description("open the web dashboard (on loopback, with a random token in its address) on a server, or on none")
    .argument("[target...]", "the server: an http(s) URL, or -- and the command that starts it over stdio")
    .option("--port <port>", "the dashboard's port (default: any free one)", (v) => Number(v), 0)
    .addHelpText(
      "after",
      "\nExamples:\n  trellis inspect http://127.0.0.1:3000/mcp\n  trellis inspect -- npx -y @modelcontextprotocol/server-filesystem /tmp",
    )
    .action(async (args: string[], o: { port: number }) => {
      const command = stdio();
      // The target is checked before anything listens, so that a bad one ends the command.
      const target = args.length || command?.length ? takeTarget(args, command).target : undefined;
      const handle = await serveDashboard({ port: o.port });
      io.out(`${handle.url}\n`);
      if (target) {
        try {
          await handle.dashboard.connect("url" in target ? { url: target.url.href } : { command: target.command, env: target.env });
        } catch (err) {
          await handle.close();
          throw new CliError(`could not connect to the server: ${(err as Error).message}`, EXIT.connect);
        }
      }
      io.err("The dashboard is running; open the address above. Ctrl-C stops it.\n");
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await handle.close();
    });
}

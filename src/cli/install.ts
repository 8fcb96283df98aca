/**
 * `trellis install | uninstall | run`: local servers, installed only after the person saw the exact command (SEP-1024).
 * What a bundle wrote is printed only through `visible`; escape sequences of Trellis's own only to a terminal.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { checkServerName, trellisHome } from "../bundles/install.js";
import { problemList } from "../bundles/manifest.js";
import { canStyle, withVisibleErrors } from "../internal/terminal.js";
import {
  CLIENT_NAMES,
  checkUserConfig,
  describeLaunch,
  install,
  launchOfManifest,
  readBundle,
  commandLine,
  shellQuote,
  verifyBundle,
  visible,
  uninstall,
  unpackBundle,
  type ClientName,
  type Launch,
  type UserConfigOption,
} from "../bundles/index.js";

/** Terminal I/O: prompts on stderr so that stdout stays clean; hidden input for secrets. */
function terminal() {
  const tty = process.stdin.isTTY === true;
  // readline draws with escape sequences when `terminal` is set: only when what it draws on is a terminal too.
  const rl = () => createInterface({ input: process.stdin, output: process.stderr, terminal: tty && process.stderr.isTTY === true });
  return {
    tty,
    async line(question: string): Promise<string> {
      const r = rl();
      try {
        return (await r.question(question)).trim();
      } catch {
        return "";
      } finally {
        r.close();
      }
    },
    async hidden(question: string): Promise<string> {
      if (!tty) return this.line(question);
      process.stderr.write(question);
      return new Promise((resolve) => {
        let value = "";
        process.stdin.setRawMode(true);
        process.stdin.resume();
        const done = (v: string) => {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off("data", onData);
          process.stderr.write("\n");
          resolve(v);
        };
        const onData = (b: Buffer) => {
          for (const ch of b.toString("utf8")) {
            if (ch === "\r" || ch === "\n") return done(value);
            if (ch === "\u0003") return done("");
            if (ch === "\u007f") value = value.slice(0, -1);
            else value += ch;
          }
        };
        process.stdin.on("data", onData);
      });
    },
  };
}

/**
 * screen is the consent screen for stderr. On a terminal it starts by resetting attributes, so that colours or
 * concealment left on by earlier output cannot hide it; anywhere else (or with NO_COLOR) it is plain text.
 */
function screen(launch: Launch, verb?: string): string {
  const text = describeLaunch(launch, Math.max(40, process.stderr.columns ?? 80));
  return `${canStyle(process.stderr) ? "\u001b[0m" : ""}${verb ? text.replace("Install the local MCP server", verb) : text}\n`;
}

/**
 * notStarted says why a server's command did not start. Node's own message quotes the command raw, so it is not
 * used: the command is shown as on the consent screen (made visible, secrets masked), with what to do about it.
 */
function notStarted(launch: Launch, err: NodeJS.ErrnoException): string {
  const command = shellQuote(launch.display?.command ?? launch.command);
  if (err.code === "ENOENT") return `the server's command ${command} was not found: is it installed, and on PATH?`;
  if (err.code === "EACCES") return `the server's command ${command} cannot be run (permission denied): is it executable?`;
  return `the server's command ${command} could not be started (${visible(err.code ?? err.name)})`;
}

/** answersOf parses --set key=value pairs. */
const answersOf = (set: string[] | undefined) =>
  Object.fromEntries((set ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

export function addInstallCommands(program: Command, write: (s: string) => void): void {
  program
    .command("install")
    .description(
      "install a local MCP server (a .mcpb bundle, an npm package, or -- a command) into a client's configuration, after showing exactly what will run",
    )
    .argument("[source...]", "a .mcpb file or an npm package name; or, after --, the command and its arguments")
    .option("--client <name>", `where to add it: ${CLIENT_NAMES.join(", ")}`, "trellis")
    .option("--config <file>", "another configuration file than the client's usual one")
    .option("--name <name>", "the name to install it under")
    .option("--set <key=value...>", "user_config answers (for scripts and --dry-run; a terminal asks)")
    .option("--ca <pem...>", "trust anchors for the bundle's signature instead of the system's")
    .option("--dry-run", "show what would run and the exact file and entry it would write; write nothing, ask nothing")
    .option("--yes", "approve without typing the name; only when not on a terminal (scripts), and the command is logged")
    .addHelpText(
      "after",
      "\nExamples:\n  trellis install my-server.mcpb --client claude-desktop\n  trellis install @modelcontextprotocol/server-everything --client cursor --dry-run\n  trellis install --client vscode -- python -m my_server --verbose",
    )
    .action(
      withVisibleErrors(
        async (
          source: string[],
          o: { client: string; config?: string; name?: string; set?: string[]; ca?: string[]; dryRun?: boolean; yes?: boolean },
          cmd: Command,
        ) => {
          const term = terminal();
          if (!CLIENT_NAMES.includes(o.client as ClientName)) throw new Error(`--client must be one of ${CLIENT_NAMES.join(", ")}`);
          if (o.yes && term.tty) throw new Error("--yes is for scripts; on a terminal, type the server's name to approve");
          // After "--" comes a command, whatever it looks like; before it, a .mcpb file or one npm package name.
          const dashed = ((cmd.parent as { rawArgs?: string[] } | null)?.rawArgs ?? []).includes("--");
          if (!source.length) throw new Error("name what to install: a .mcpb file, an npm package, or -- a command");
          if (!dashed && source.length > 1) throw new Error("give one bundle or package; put a command after --");
          const src = dashed ? { command: source } : source[0]!.endsWith(".mcpb") ? { bundle: source[0]! } : { npm: source[0]! };
          const set = answersOf(o.set);
          const result = await install(
            src,
            {
              client: o.client as ClientName,
              configPath: o.config,
              name: o.name,
              dryRun: o.dryRun,
              trusted: o.ca ? await Promise.all(o.ca.map((p) => readFile(p, "utf8"))) : undefined,
            },
            {
              async ask(options: Record<string, UserConfigOption>) {
                const answers: Record<string, string | undefined> = { ...set };
                if (o.dryRun) {
                  // A dry run asks nothing: what it cannot fill from --set or a default, it names.
                  const missing = Object.entries(options).filter(([k, opt]) => opt.required && opt.default === undefined && !answers[k]);
                  if (missing.length)
                    throw new Error(
                      `--dry-run asks nothing: pass ${missing.map(([k, opt]) => `--set ${visible(k)}=... (${visible(opt.title)})`).join(", ")}`,
                    );
                  return answers;
                }
                if (!term.tty) return answers;
                for (const [key, opt] of Object.entries(options)) {
                  if (answers[key] !== undefined) continue;
                  // A default is the bundle's, not a secret of the person's: shown for sensitive options too.
                  const hint = opt.default !== undefined ? ` [${String(opt.default)}]` : opt.required ? " (required)" : "";
                  const q = visible(`${opt.title} — ${opt.description}${hint}: `);
                  answers[key] = opt.sensitive ? await term.hidden(q) : await term.line(q);
                }
                return answers;
              },
              async confirm(launch: Launch) {
                process.stderr.write(screen(launch));
                if (!term.tty) {
                  if (!o.yes) {
                    process.stderr.write("Not on a terminal: pass --yes to approve (the command above is the record of it).\n");
                    return false;
                  }
                  process.stderr.write(`Approved with --yes: ${commandLine(launch)}\n`);
                  return true;
                }
                const typed = await term.line(`Type the server's name (${visible(launch.name)}) to install it, anything else cancels: `);
                return typed === launch.name;
              },
            },
          );
          if (result.preview !== undefined) {
            process.stderr.write(screen(result.launch));
            const also = [
              ...(result.target ? [`unpack the bundle into ${result.target}`] : []),
              `record the install in ${join(trellisHome(), "installed.json")}`,
            ];
            const where = `${result.replaces ? "replace" : "add"} the entry "${visible(result.launch.name)}" ${result.replaces ? "in" : "to"} ${visible(result.configPath!)}`;
            const entry = result.preview
              .split("\n")
              .map((l) => visible(l))
              .join("\n");
            return write(
              `dry run, nothing written: it would ${where}, keeping the rest of that file as it is:\n${entry}\nand ${visible(also.join(", and "))}.\n`,
            );
          }
          if (!result.installed) throw new Error("cancelled: nothing was installed or changed");
          write(`installed ${visible(result.launch.name)} into ${visible(result.configPath!)}\n`);
        },
      ),
    );

  program
    .command("uninstall")
    .description("remove a server that trellis install added: its client entry, its unpacked bundle, its saved answers")
    .argument("<name>", "the installed server's name")
    .addHelpText("after", "\nExample:\n  trellis uninstall my-server")
    .action(
      withVisibleErrors(async (name: string) => {
        const r = await uninstall(name);
        if (!r.removed) throw new Error(`${visible(name)} was not installed by trellis`);
        write(`uninstalled ${visible(name)} (from ${visible(r.configPath!)})\n`);
      }),
    );

  program
    .command("run")
    .description(
      "run a bundle's server over stdio, after showing exactly what will run and getting approval (unpacked to a temporary folder)",
    )
    .argument("<bundle>", "the .mcpb")
    .option("--name <name>", "the name to show and approve it under (default: the manifest's; the same rule as install)")
    .option("--set <key=value...>", "user_config answers")
    .option("--ca <pem...>", "trust anchors for the bundle's signature instead of the system's")
    .option("--yes", "approve without typing the name; only when not on a terminal (hosts, scripts), and the command is logged")
    .addHelpText("after", "\nExample:\n  trellis run my-server.mcpb --set api_key=...")
    .action(
      withVisibleErrors(async (file: string, o: { name?: string; set?: string[]; ca?: string[]; yes?: boolean }) => {
        const term = terminal();
        if (o.yes && term.tty) throw new Error("--yes is for scripts; on a terminal, type the server's name to approve");
        const bytes = new Uint8Array(await readFile(file));
        const b = readBundle(bytes);
        if (b.problems.length) throw new Error(`the bundle's manifest is not valid: ${problemList(b.problems)}`);
        const name = o.name ?? b.manifest.name;
        checkServerName(name);
        const signature = await verifyBundle(bytes, {
          trusted: o.ca ? await Promise.all(o.ca.map((p) => readFile(p, "utf8"))) : undefined,
        });
        if (signature.status === "invalid" || signature.status === "malformed")
          throw new Error(`the bundle's signature is ${signature.status}: ${visible(signature.reason ?? "")}`);
        const dir = await mkdtemp(join(tmpdir(), "trellis-run-"));
        try {
          const config = checkUserConfig(b.manifest.user_config, answersOf(o.set), join(dir, "b"));
          const launch = {
            ...launchOfManifest(b.manifest, join(dir, "b"), config, { kind: "bundle", detail: file }, signature),
            name,
          };
          process.stderr.write(screen(launch, "Run the local MCP server"));
          const approved = term.tty
            ? (await term.line(`Type the server's name (${visible(name)}) to run it, anything else cancels: `)) === name
            : o.yes === true;
          if (!approved)
            throw new Error(
              term.tty ? "cancelled: nothing was run" : "not on a terminal: pass --yes to run it (the command above is the record)",
            );
          process.stderr.write(`trellis run: ${commandLine(launch)}\n`);
          await unpackBundle(bytes, join(dir, "b"));
          const child = spawn(launch.command, launch.args, { stdio: "inherit", env: { ...process.env, ...launch.env } });
          // A command that cannot start is an 'error' event, not an exit. Unheard, Node throws it past this action:
          // its message (the raw command — escape sequences, a secret in it) goes straight to the terminal, and the
          // unpacked bundle is left behind. Rejected here, it is said through withVisibleErrors and `finally` runs.
          const code = await new Promise<number>((resolve, reject) => {
            child.on("error", (err: NodeJS.ErrnoException) => reject(new Error(notStarted(launch, err))));
            child.once("exit", (c) => resolve(c ?? 1));
          });
          if (code !== 0) throw new Error(`the server exited with ${code}`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
    );
}

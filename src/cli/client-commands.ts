/**
 * `trellis list | call | read | prompt | tasks`: a Trellis client on any MCP server, for people (readable output,
 * a progress bar) and for scripts (`--json`: the server's result as JSON on stdout, and exit codes that say what
 * went wrong: 2 the server could not be reached, 3 it answered with an error, 4 the tool or task failed, 5 it needs
 * a sign-in).
 */
import type { Command } from "commander";
import type { McpClient } from "../client/client.js";
import { ProtocolError, TrellisError } from "../protocol/errors.js";
import type { CallToolResult, Task, Tool } from "../protocol/generated/schema-types.js";
import { formatContent, printJson, printResult, visibleIo } from "./output.js";
import { visible } from "../internal/terminal.js";
import { progressView } from "./progress.js";
import { CliError, connectTarget, EXIT, takeTarget, type Target } from "./target.js";
import { offerSignIn, signInMessage } from "./sign-in.js";

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  /** The stream progress is drawn on (stderr), with whether it is a terminal. */
  progress: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

const KINDS = ["tools", "resources", "templates", "prompts"] as const;
const PROGRESS_TOKEN = "trellis-cli";
/**
 * The task commands speak 2025-11-25: a task's progress travels on its session's stream and tasks/list exists
 * there; 2026-07-28's tasks extension has neither. Every other command speaks what the server speaks best.
 */
const TASKS_PROTOCOL = "2025-11-25";

/**
 * withClient connects, runs `body`, and turns the server's errors into exit codes. When the server asks for a
 * sign-in the kept tokens cannot give (more scopes: a step-up), a person at a terminal is offered it and `body`
 * runs once more; a script gets the command that signs in, and exit code 5.
 */
async function withClient(
  target: Target,
  body: (c: McpClient, tap: Tapped) => Promise<void>,
  stream = false,
  protocol?: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const tapped = new Tapped();
    const conn = await connectTarget(target, { tap: (d, m) => tapped.see(d, m), stream, protocol });
    try {
      await body(conn.client, tapped);
      return;
    } catch (err) {
      if (err instanceof CliError) throw err;
      // The server asked for a sign-in or for scopes the kept one lacks (a step-up): say which, or offer it at a terminal.
      const need = conn.signInNeed?.();
      if (need && conn.url) {
        if (attempt === 0 && (await offerSignIn(conn.url, need, (t) => void process.stderr.write(t)))) continue;
        throw new CliError(signInMessage(conn.url, need), EXIT.auth);
      }
      // A server's own words stay on one line (visible() shows its line breaks): it cannot print lines of its own
      // that read as this command's.
      if (err instanceof ProtocolError && (err.data as { authorization?: unknown } | undefined)?.authorization === true)
        throw new CliError(`${conn.label} refused the request: ${visible(err.message)}`, EXIT.auth);
      if (err instanceof ProtocolError) throw new CliError(`${conn.label} answered: ${visible(err.message)} (${err.code})`, EXIT.protocol);
      if (err instanceof TrellisError && err.code === "INVALID_MESSAGE")
        throw new CliError(`${conn.label} answered with something invalid: ${visible(err.message)}`, EXIT.protocol);
      if (err instanceof TrellisError && /authoriz|sign in/i.test(err.message)) throw new CliError(err.message, EXIT.auth);
      throw new CliError(`${conn.label}: ${(err as Error).message}`, EXIT.connect);
    } finally {
      await conn.close().catch(() => {});
    }
  }
}

/** withClient at the revision a command's --protocol names. */
const speaking = (protocol: string) => (target: Target, body: (c: McpClient, tap: Tapped) => Promise<void>) =>
  withClient(target, body, false, protocol);

/** Tapped hands progress notifications of this command's requests to whoever waits for them. */
class Tapped {
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  see(direction: "in" | "out", m: unknown): void {
    const msg = m as { method?: string; params?: Record<string, unknown> };
    if (direction === "in" && msg.method === "notifications/progress" && msg.params?.progressToken === PROGRESS_TOKEN)
      this.onprogress?.(msg.params as { progress: number; total?: number; message?: string });
  }
}

/**
 * parseArguments reads a tool's arguments: one JSON object, or key=value pairs whose values are JSON where they
 * parse as JSON and the tool's schema does not say the property is a string (so `count=3` is 3, `name=007` "007").
 */
export function parseArguments(args: string[], tool?: Tool): Record<string, unknown> {
  if (args.length === 1 && args[0]!.trim().startsWith("{")) {
    try {
      const v = JSON.parse(args[0]!) as unknown;
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`the arguments are not valid JSON: ${(e as Error).message}`);
    }
    throw new CliError("the arguments must be a JSON object");
  }
  const props = (tool?.inputSchema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new CliError(`arguments are key=value pairs or one JSON object; got ${JSON.stringify(a)}`);
    const key = a.slice(0, eq);
    const raw = a.slice(eq + 1);
    if (props[key]?.type === "string") out[key] = raw;
    else {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        out[key] = raw;
      }
    }
  }
  return out;
}

/** Splits off what follows `--` (the stdio command) before commander sees it. */
export function splitStdio(argv: string[]): { argv: string[]; stdio?: string[] } {
  const i = argv.indexOf("--");
  return i === -1 ? { argv } : { argv: argv.slice(0, i), stdio: argv.slice(i + 1) };
}

export function addClientCommands(program: Command, io: CliIo, stdio: () => string[] | undefined): void {
  const target = (args: string[]) => takeTarget(args, stdio());
  // What people read quotes the server (names, descriptions, text): made visible line by line before it is printed.
  const show = visibleIo(io);

  program
    .command("list")
    .description("list a server's tools, resources, resource templates or prompts")
    .argument("<args...>", "the server (URL, or -- command) and what to list: tools | resources | templates | prompts")
    .option("--json", "print the items as JSON")
    .option("--protocol <version>", "the revision to speak: auto (2026-07-28, else 2025-11-25), 2026-07-28 or 2025-11-25", "auto")
    .addHelpText(
      "after",
      "\nExamples:\n  trellis list http://127.0.0.1:3000/mcp tools\n  trellis list prompts -- npx -y @modelcontextprotocol/server-everything",
    )
    .action(async (args: string[], o: { json?: boolean; protocol: string }) => {
      const { target: t, rest } = target(args);
      const kind = rest[0] as (typeof KINDS)[number] | undefined;
      if (!kind || !KINDS.includes(kind)) throw new CliError(`say what to list: ${KINDS.join(" | ")}`);
      await speaking(o.protocol)(t, async (c) => {
        const items =
          kind === "tools"
            ? await c.listAllTools()
            : kind === "resources"
              ? await c.listAllResources()
              : kind === "templates"
                ? await c.listAllResourceTemplates()
                : await c.listAllPrompts();
        if (o.json) return printJson(io, items);
        for (const it of items as Record<string, unknown>[]) {
          const name = String(it.uri ?? it.uriTemplate ?? it.name);
          const extra =
            kind === "prompts" && Array.isArray(it.arguments)
              ? ` (${(it.arguments as { name: string }[]).map((a) => a.name).join(", ")})`
              : "";
          const task = kind === "tools" && (it.execution as { taskSupport?: string } | undefined)?.taskSupport ? "  [task]" : "";
          show.out(`${name}${extra}${it.description ? `  —  ${String(it.description).split("\n")[0]}` : ""}${task}\n`);
        }
      });
    });

  program
    .command("call")
    .description("call a tool; arguments are one JSON object or key=value pairs")
    .argument("<args...>", "the server (URL, or -- command), the tool, then its arguments")
    .option("--json", "print the whole result as JSON")
    .option("--task", "run it as a task: a progress bar while it works, then its result")
    .option("--protocol <version>", "the revision to speak: auto (2026-07-28, else 2025-11-25), 2026-07-28 or 2025-11-25", "auto")
    .addHelpText(
      "after",
      "\nExamples:\n  trellis call http://127.0.0.1:3000/mcp echo text=hello\n  trellis call http://127.0.0.1:3000/mcp long_running_task '{\"seconds\": 5}' --task\n  trellis call read_file path=/tmp/x -- npx -y @modelcontextprotocol/server-filesystem /tmp",
    )
    .action(async (args: string[], o: { json?: boolean; task?: boolean; protocol: string }) => {
      if (o.task && o.protocol !== "auto" && o.protocol !== TASKS_PROTOCOL)
        throw new CliError(`--task speaks ${TASKS_PROTOCOL} (a task's progress travels on its session); leave out --protocol`);
      const { target: t, rest } = target(args);
      const [name, ...argv] = rest;
      if (!name) throw new CliError("name the tool to call");
      await withClient(
        t,
        async (c, tapped) => {
          const tools = argv.length && !argv[0]!.trim().startsWith("{") ? await c.listAllTools() : [];
          const input = parseArguments(
            argv,
            tools.find((x) => x.name === name),
          );
          if (!o.task) return printResult(io, await c.callTool(name, input), o.json === true);
          const view = progressView(io.progress);
          tapped.onprogress = (p) => view.update(p.progress, p.total, p.message);
          const handle = await c.callToolAsTask(name, input, { meta: { progressToken: PROGRESS_TOKEN } });
          const { result } = await followTask(c, handle.last.taskId, view, () => handle.result());
          if (result) view.update(1, 1, "done");
          view.done();
          if (result) printResult(io, result, o.json === true);
        },
        o.task === true,
        // A task's progress bar needs 2025-11-25: its progress travels on the session's stream, kept for `tasks watch`.
        o.task ? TASKS_PROTOCOL : o.protocol,
      );
    });

  program
    .command("read")
    .description("read a resource")
    .argument("<args...>", "the server (URL, or -- command) and the resource URI")
    .option("--json", "print the result as JSON")
    .option("--protocol <version>", "the revision to speak: auto (2026-07-28, else 2025-11-25), 2026-07-28 or 2025-11-25", "auto")
    .addHelpText("after", "\nExample:\n  trellis read http://127.0.0.1:3000/mcp test://static-text")
    .action(async (args: string[], o: { json?: boolean; protocol: string }) => {
      const { target: t, rest } = target(args);
      if (!rest[0]) throw new CliError("name the resource URI to read");
      await speaking(o.protocol)(t, async (c) => {
        const r = await c.readResource(rest[0]!);
        if (o.json) return printJson(io, r);
        for (const item of r.contents as Record<string, unknown>[]) {
          if (typeof item.text === "string") show.out(`${item.text}\n`);
          else show.out(`[blob ${item.mimeType ?? ""} ${Math.floor((String(item.blob).length * 3) / 4)} bytes]\n`);
        }
      });
    });

  program
    .command("prompt")
    .description("get a prompt, with key=value arguments")
    .argument("<args...>", "the server (URL, or -- command), the prompt, then key=value arguments")
    .option("--json", "print the result as JSON")
    .option("--protocol <version>", "the revision to speak: auto (2026-07-28, else 2025-11-25), 2026-07-28 or 2025-11-25", "auto")
    .addHelpText("after", "\nExample:\n  trellis prompt http://127.0.0.1:3000/mcp test_prompt_with_arguments arg1=a arg2=b")
    .action(async (args: string[], o: { json?: boolean; protocol: string }) => {
      const { target: t, rest } = target(args);
      const [name, ...argv] = rest;
      if (!name) throw new CliError("name the prompt to get");
      const values: Record<string, string> = {};
      for (const a of argv) {
        const eq = a.indexOf("=");
        if (eq <= 0) throw new CliError(`prompt arguments are key=value pairs; got ${JSON.stringify(a)}`);
        values[a.slice(0, eq)] = a.slice(eq + 1);
      }
      await speaking(o.protocol)(t, async (c) => {
        const r = await c.getPrompt(name, values);
        if (o.json) return printJson(io, r);
        for (const m of r.messages) show.out(`${m.role}: ${formatContent([m.content] as CallToolResult["content"])}\n`);
      });
    });

  const tasks = program.command("tasks").description("the tasks a server runs for you: list, watch, result, cancel");
  tasks
    .command("list")
    .argument("<args...>", "the server (URL, or -- command)")
    .option("--json", "print the tasks as JSON")
    .addHelpText("after", "\nExample:\n  trellis tasks list http://127.0.0.1:3000/mcp")
    .action(async (args: string[], o: { json?: boolean }) => {
      const { target: t } = target(args);
      await withClient(
        t,
        async (c) => {
          const all: Task[] = [];
          for await (const task of c.tasks()) all.push(task);
          if (o.json) return printJson(io, all);
          for (const task of all) show.out(`${task.taskId}  ${task.status}${task.statusMessage ? `  ${task.statusMessage}` : ""}\n`);
        },
        false,
        TASKS_PROTOCOL,
      );
    });
  for (const verb of ["watch", "result", "cancel"] as const) {
    tasks
      .command(verb)
      .argument("<args...>", "the server (URL, or -- command) and the task id")
      .option("--json", "print JSON")
      .addHelpText("after", `\nExample:\n  trellis tasks ${verb} http://127.0.0.1:3000/mcp 3f1c0a9e-…`)
      .action(async (args: string[], o: { json?: boolean }) => {
        const { target: t, rest } = target(args);
        const id = rest[0];
        if (!id) throw new CliError("name the task id");
        await withClient(
          t,
          async (c) => {
            if (verb === "cancel") {
              const r = await c.request("tasks/cancel", { taskId: id });
              return o.json ? printJson(io, r) : show.out(`${id}  ${(r as Task).status}\n`);
            }
            if (verb === "result") {
              // A failed or cancelled task has no result: it ends like a failed tool (exit 4), as `tasks watch` does,
              // not as an error answer to tasks/result (exit 3).
              const task = (await c.request("tasks/get", { taskId: id })) as Task;
              if (task.status === "failed" || task.status === "cancelled")
                throw new CliError(`task ${id} ${task.status}${task.statusMessage ? `: ${task.statusMessage}` : ""}`, EXIT.toolError);
              return printResult(io, (await c.request("tasks/result", { taskId: id })) as CallToolResult, o.json === true);
            }
            const view = progressView(io.progress);
            const { task } = await followTask(c, id, view, undefined, true);
            view.done();
            if (o.json) printJson(io, task);
          },
          verb === "watch",
          TASKS_PROTOCOL,
        );
      });
  }
}

/**
 * followTask shows a task's status changes (and, through the view, its progress) until it ends. With `result`, it
 * fetches the result of a completed task; a failed or cancelled task ends the command with exit code 4.
 */
async function followTask(
  c: McpClient,
  taskId: string,
  view: ReturnType<typeof progressView>,
  result?: () => Promise<CallToolResult>,
  messages = false,
): Promise<{ task: Task; result?: CallToolResult }> {
  let last: Task | undefined;
  let shown = "";
  for (;;) {
    last = (await c.request("tasks/get", { taskId })) as Task;
    // With progress on screen, only a change of status is news; without, the status message is all there is.
    const line = messages ? `${last.status}${last.statusMessage ? `: ${last.statusMessage}` : ""}` : last.status;
    if (line !== shown) view.note(`task ${taskId}: ${line}`);
    shown = line;
    if (["completed", "failed", "cancelled"].includes(last.status)) break;
    await new Promise((r) => setTimeout(r, Math.min(Math.max(last!.pollInterval ?? 500, 100), 2000)));
  }
  if (last.status !== "completed") {
    view.done();
    throw new CliError(`task ${taskId} ${last.status}${last.statusMessage ? `: ${last.statusMessage}` : ""}`, EXIT.toolError);
  }
  return { task: last, result: result ? await result() : undefined };
}

/**
 * Tools: registration (names checked against the spec's rules, schemas compiled once), listing and calls.
 * Input that fails the schema is a tool execution error the model can read and fix (SEP-1303); an unknown
 * tool is a JSON-RPC error.
 */
import { checkCache, type CacheConfig } from "./caching.js";
import { ErrorCode, ProtocolError, misuse } from "../protocol/errors.js";
import { CallToolResult as CALL_TOOL_RESULT } from "../protocol/generated/validators.js";
import { invalidResultMessage, resultProblem } from "./results.js";
import { CallSite } from "../internal/caller.js";
import type { CallToolResult, ContentBlock, Icon, Tool, ToolAnnotations, ToolExecution } from "../protocol/generated/schema-types.js";
import type { HandlerContext } from "./context.js";
import { compileSchema, EMPTY_INPUT_SCHEMA, type CompiledSchema, type SchemaInput, type StandardSchemaV1 } from "../internal/schema.js";
import { checkIcons } from "./icons.js";
import { HandlerContext as Context } from "./context.js";
import { listPage } from "./pagination.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";
import type { ServerState } from "./state.js";
import { startToolTask } from "./tasks.js";
import { checkStructuredContent } from "../internal/schema.js";

/** TOOL_NAME is the spec's rule for tool names (tools.mdx, "Tool Names"). */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** What a tool handler may return: a full result, or a string that becomes one text block. */
export type ToolResult = CallToolResult | string;

type InferInput<S> = S extends StandardSchemaV1<infer _I, infer O> ? O : Record<string, unknown>;

/** ToolConfig describes a tool at registration. */
export interface ToolConfig<S extends SchemaInput | undefined = SchemaInput | undefined> {
  title?: string;
  description?: string;
  /** JSON Schema (2020-12 unless `$schema` says otherwise) or a Standard Schema. Default: no arguments. */
  inputSchema?: S;
  /** The JSON Schema to list when `inputSchema` is a Standard Schema that cannot describe itself. */
  inputJsonSchema?: Record<string, unknown>;
  /** Schema of `structuredContent`; results are checked against it. */
  outputSchema?: SchemaInput;
  outputJsonSchema?: Record<string, unknown>;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  execution?: ToolExecution;
  /**
   * With tasks: if the server restarts while this tool runs as a task, run it again from its stored
   * arguments instead of marking the task failed. Only for tools that are safe to run twice. Default false.
   */
  resumable?: boolean;
  /**
   * 2026-07-28 tasks extension: the call starts as a plain request — its first asks answered in input rounds — and
   * becomes a task when the handler calls `ctx.background()` (elsewhere, background() does nothing). Default false:
   * a task from the start.
   */
  deferTask?: boolean;
  /** OAuth scopes a caller needs to see and call this tool (HTTP with `auth`): 403 insufficient_scope otherwise. */
  scopes?: string[];
  /** 2026-07-28 caching hints for this item's results, over the server's `cache` option (caching.ts). */
  cache?: CacheConfig;
  _meta?: Record<string, unknown>;
}

export type ToolHandler<S extends SchemaInput | undefined = SchemaInput | undefined> = (
  args: InferInput<S>,
  ctx: HandlerContext,
) => ToolResult | Promise<ToolResult>;

/** RegisteredTool is the handle registerTool returns. */
export interface RegisteredTool {
  readonly name: string;
  /** remove unregisters the tool and tells connected clients the list changed. */
  remove(): void;
}

export interface ToolEntry {
  seq: number;
  name: string;
  definition: Tool;
  input: CompiledSchema;
  /** True when the schema has no properties and no constraints, so any object passes without a validator call. */
  trivialInput: boolean;
  output?: CompiledSchema;
  handler: ToolHandler;
  resumable: boolean;
  deferTask: boolean;
  scopes: string[];
  cache?: CacheConfig;
  /** Where registerTool was called, for messages about the tool's results. */
  site: CallSite;
}

/** buildToolEntry validates a registration and compiles its schemas; it throws a TypeError naming the fix. */
export function buildToolEntry(seq: number, name: string, config: ToolConfig, handler: ToolHandler): ToolEntry {
  const op = `registerTool ${JSON.stringify(name)}`;
  if (typeof name !== "string" || !TOOL_NAME.test(name)) {
    throw misuse(
      `${op}: name must be 1-128 characters of A-Z, a-z, 0-9, "_", "-" and "." (tools.mdx, "Tool Names"); rename it, for example to ${JSON.stringify(suggestName(String(name)))}`,
    );
  }
  if (typeof handler !== "function") throw misuse(`${op}: handler must be a function`, "ERR_INVALID_ARG_TYPE");
  if (config.icons) checkIcons(config.icons, op);
  if (config.execution?.taskSupport && !["forbidden", "optional", "required"].includes(config.execution.taskSupport)) {
    throw misuse(`${op}: execution.taskSupport must be "forbidden", "optional" or "required"`);
  }
  const input =
    config.inputSchema === undefined
      ? compileSchema({ ...EMPTY_INPUT_SCHEMA }, `${op}: inputSchema`)
      : compileSchema(config.inputSchema, `${op}: inputSchema`, config.inputJsonSchema);
  const output =
    config.outputSchema === undefined ? undefined : compileSchema(config.outputSchema, `${op}: outputSchema`, config.outputJsonSchema);
  const definition: Tool = { name, inputSchema: input.json as Tool["inputSchema"] };
  if (config.title !== undefined) definition.title = config.title;
  if (config.description !== undefined) definition.description = config.description;
  if (output) definition.outputSchema = output.json as Tool["outputSchema"];
  if (config.annotations) definition.annotations = config.annotations;
  if (config.icons) definition.icons = config.icons;
  if (config.execution) definition.execution = config.execution;
  if (config._meta) definition._meta = config._meta;
  const j = input.json;
  const trivialInput =
    config.inputSchema === undefined ||
    (Object.keys(j).every((k) => k === "type" || k === "properties" || k === "$schema") &&
      Object.keys((j.properties as object | undefined) ?? {}).length === 0);
  if (config.resumable && !["optional", "required"].includes(config.execution?.taskSupport ?? "forbidden")) {
    throw misuse(`${op}: resumable only applies to tools that run as tasks; set execution.taskSupport to "optional" or "required"`);
  }
  if (
    config.scopes !== undefined &&
    (!Array.isArray(config.scopes) || config.scopes.some((x) => typeof x !== "string" || /\s/.test(x) || x === ""))
  ) {
    throw misuse(`${op}: scopes must be an array of OAuth scope names without spaces, such as ["files:read"]`);
  }
  return {
    seq,
    name,
    definition,
    input,
    trivialInput,
    output,
    handler,
    resumable: config.resumable === true,
    deferTask: config.deferTask === true,
    scopes: config.scopes ?? [],
    cache: checkCache(config.cache, op),
    site: new CallSite(),
  };
}

function suggestName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 128);
  return s || "tool";
}

/** textResult wraps text as a CallToolResult. */
export function textResult(text: string, isError = false): CallToolResult {
  return isError ? { content: [{ type: "text", text }], isError: true } : { content: [{ type: "text", text }] };
}

/**
 * callTool runs one tool call: validate arguments, run the handler, normalize and check the result.
 * A thrown ProtocolError (for example URLElicitationRequired) stays a JSON-RPC error; any other throw is
 * reported to the model as a tool execution error.
 */
export async function callTool(tool: ToolEntry, args: Record<string, unknown> | undefined, ctx: HandlerContext): Promise<CallToolResult> {
  let value: unknown = args ?? {};
  if (!tool.trivialInput) {
    const checked = await tool.input.validate(value);
    if (!checked.ok) return textResult(`Invalid arguments for tool "${tool.name}": ${checked.message}`, true);
    value = checked.value;
  }
  let out: ToolResult;
  try {
    out = await tool.handler(value as Record<string, unknown>, ctx);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    return textResult(err instanceof Error ? err.message : String(err), true);
  }
  return normalize(out);
}

function normalize(out: ToolResult): CallToolResult {
  if (typeof out === "string") return textResult(out);
  if (typeof out !== "object" || out === null)
    throw new InvalidResult(`returned ${out === null ? "null" : typeof out}`, "return a string or a CallToolResult");
  if (!Array.isArray(out.content)) {
    // Structured-only results also carry their JSON as text for clients that read content (tools.mdx).
    if (out.structuredContent !== undefined)
      return { ...out, content: [{ type: "text", text: JSON.stringify(out.structuredContent) }] as ContentBlock[] };
    throw new InvalidResult(`returned a result without "content"`, "return { content: [...] } or a string");
  }
  return out;
}

/** A tool's result that cannot be sent as it is: what is wrong, and how to fix the handler. */
class InvalidResult extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

/**
 * checkResult makes sure what goes out is a CallToolResult by the schema and fits the tool's outputSchema (see
 * results.ts for why); an invalid one becomes an isError result naming the tool, the field and where the tool was
 * registered, so that the model, the client and the server's onerror all hear what went wrong.
 */
async function checkResult(state: ServerState, tool: ToolEntry, result: CallToolResult): Promise<CallToolResult> {
  const found = resultProblem(CALL_TOOL_RESULT, result);
  if (found) return invalid(state, tool, found.problem, found.fix);
  const problem = tool.output && (await checkStructuredContent(tool.output, result, tool.name));
  return problem
    ? invalid(state, tool, problem.replace(`tool "${tool.name}" `, ""), "return matching { structuredContent } from its handler")
    : result;
}

function invalid(state: ServerState, tool: ToolEntry, problem: string, fix: string): CallToolResult {
  return textResult(invalidResultMessage(state.options.onerror, `tool "${tool.name}"`, problem, fix, tool.site), true);
}

/** tools/list: the tools the caller may use, a page at a time, as extensions' list hooks present them. */
export const listTools: ServerMethod = (params, { state, session, rpc }) => {
  const page = listPage(state, rpc, state.tools.values(), params.cursor, "tools");
  if (!state.toolListHooks.length) return page;
  const tools: Tool[] = [];
  for (const tool of page.tools as Tool[]) {
    let shown: Tool | undefined = tool;
    for (const hook of state.toolListHooks) if (shown) shown = hook(shown, session);
    if (shown) tools.push(shown);
  }
  return { ...page, tools };
};

/**
 * tools/call: runs the tool, or starts it as a task when the call carries "task" and the server has tasks; a
 * server without tasks ignores "task" (tasks.mdx, "Capability Negotiation"). `execution.taskSupport` is enforced
 * with the -32601 errors the spec names.
 */
export const callToolMethod: ServerMethod = (params, { state, session, rpc }) => {
  const name = params.name as string;
  const tool = state.tools.get(name);
  if (!tool)
    throw new ProtocolError(
      ErrorCode.InvalidParams,
      `invalid params: unknown tool ${JSON.stringify(name)}; call tools/list for the available tools`,
    );
  const support = tool.definition.execution?.taskSupport ?? "forbidden";
  if (params.task !== undefined && state.tasks) {
    if (support === "forbidden")
      throw new ProtocolError(
        ErrorCode.MethodNotFound,
        `tool ${JSON.stringify(name)} cannot run as a task (execution.taskSupport is "forbidden"); call it without "task"`,
      );
    return startToolTask(state.tasks, (args, ctx) => runTool(state, tool, args, ctx), params, session, rpc).then(({ task }) => ({ task }));
  }
  if (support === "required")
    throw new ProtocolError(
      ErrorCode.MethodNotFound,
      `tool ${JSON.stringify(name)} must run as a task (execution.taskSupport is "required"); add "task": {} to the params`,
    );
  return runTool(state, tool, params.arguments as Record<string, unknown> | undefined, new Context(rpc, session));
};

/**
 * runTool is callTool inside the extensions' tool-call hooks, the first added outermost; the result that comes out
 * is checked (checkResult) before it is sent.
 */
export function runTool(
  state: ServerState,
  tool: ToolEntry,
  args: Record<string, unknown> | undefined,
  ctx: HandlerContext,
): Promise<CallToolResult> {
  const hooks = state.toolCallHooks;
  const run = hooks.length
    ? (() => {
        const call = { tool: tool.definition, arguments: args, ctx };
        const at = (i: number): Promise<CallToolResult> =>
          i === hooks.length ? callTool(tool, args, ctx) : hooks[i]!(call, () => at(i + 1));
        return at(0);
      })()
    : callTool(tool, args, ctx);
  // What the handler and the hooks made is checked once, as it will be sent.
  return run.then(
    (result) => checkResult(state, tool, result),
    (err: unknown) => {
      if (err instanceof InvalidResult) return invalid(state, tool, err.problem, err.fix);
      throw err;
    },
  );
}

/** The server declares tools once one is registered (or the option forces it). */
export const toolsCapability: CapabilityContribution = (state, caps) => {
  if (state.tools.size || state.forced.tools) caps.tools = { listChanged: true, ...state.forced.tools };
};

/**
 * The everything server's fixtures for 2026-07-28 (the conformance suite's names): handlers that ask the client
 * for input with `ctx.elicit()`, `ctx.sample()` and `ctx.listRoots()` exactly as a 2025-11-25 handler does. On a
 * 2025-11-25 session the asks are requests to the client; on a 2026-07-28 request they become `input_required`
 * rounds under the `inputKey` each names.
 */
import type { HandlerContext, McpServer } from "trellis-mcp/server";
import { ProtocolError } from "trellis-mcp";

const NAME_FORM = {
  type: "object" as const,
  properties: { name: { type: "string" as const, description: "Your name" } },
  required: ["name"],
};

/**
 * The tasks extension's fixtures (SEP-2663, the conformance suite's names): a tool that never runs as a task, one
 * that may, one that must, one that fails with a protocol error, and two that ask the user while running.
 */
const ANSWER_FORM = {
  type: "object" as const,
  properties: { name: { type: "string" as const }, confirm: { type: "boolean" as const } },
};

export function addTaskFixtures(server: McpServer): void {
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  server.registerTool(
    "greet",
    { description: "Greets at once (never a task)", inputSchema: { type: "object", properties: { name: { type: "string" } } } },
    (args) => `Hello, ${String(args.name ?? "world")}!`,
  );
  server.registerTool(
    "slow_compute",
    {
      description: "Works for a few seconds; a task when the client takes tasks",
      inputSchema: { type: "object", properties: { seconds: { type: "number" }, label: { type: "string" } } },
      execution: { taskSupport: "optional" },
    },
    async (args, ctx) => {
      const seconds = Math.min(Number(args.seconds ?? 1), 60);
      for (let i = 0; i < seconds * 10; i++) await sleep(100, ctx.signal);
      return `computed ${String(args.label ?? "result")} in ${seconds} s`;
    },
  );
  server.registerTool(
    "failing_job",
    {
      description: "Must run as a task; ends with a tool error",
      inputSchema: { type: "object", properties: {} },
      execution: { taskSupport: "required" },
    },
    async () => ({ content: [{ type: "text", text: "the job failed" }], isError: true }),
  );
  server.registerTool(
    "protocol_error_job",
    { description: "Fails with a JSON-RPC error", inputSchema: { type: "object", properties: {} }, execution: { taskSupport: "optional" } },
    async () => {
      throw new ProtocolError(-32603, "the job hit an internal error");
    },
  );
  server.registerTool(
    "test_tool_with_task",
    {
      description: "Asks your name first (an input round), then works on as a task (ctx.background())",
      inputSchema: { type: "object", properties: {} },
      execution: { taskSupport: "optional" },
      deferTask: true,
    },
    async (_args, ctx) => {
      const r = await ctx.elicit({ message: "What is your name?", requestedSchema: ANSWER_FORM }, { inputKey: "user_name" });
      await ctx.background();
      await sleep(200, ctx.signal);
      return `Hello, ${String(r.content?.name ?? "someone")}! The work is done.`;
    },
  );
  server.registerTool(
    "confirm_delete",
    {
      description: "Asks the user to confirm before deleting (input while running as a task)",
      inputSchema: { type: "object", properties: { filename: { type: "string" } } },
      execution: { taskSupport: "optional" },
    },
    async (args, ctx) => {
      const r = await ctx.elicit(
        {
          message: `Delete ${String(args.filename ?? "the file")}?`,
          requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } } },
        },
        { inputKey: "confirm" },
      );
      return r.action === "accept" && r.content?.confirm === true ? `deleted ${String(args.filename ?? "the file")}` : "kept the file";
    },
  );
  server.registerTool(
    "multi_input",
    {
      description: "Asks two questions at once while running as a task",
      inputSchema: { type: "object", properties: {} },
      execution: { taskSupport: "optional" },
    },
    async (_args, ctx) => {
      const [a, b] = await Promise.all([
        ctx.elicit({ message: "Your name?", requestedSchema: ANSWER_FORM }, { inputKey: "first" }),
        ctx.elicit({ message: "Really?", requestedSchema: ANSWER_FORM }, { inputKey: "second" }),
      ]);
      return `first=${String(a.content?.name ?? a.action)}, second=${String(b.content?.name ?? b.action)}`;
    },
  );
}

/** The name question several scenarios ask, under the key the scenarios expect. */
const askName = (ctx: HandlerContext) =>
  ctx.elicit({ message: "What is your name?", requestedSchema: NAME_FORM }, { inputKey: "user_name" });

/** Greets by the name asked for (or says how the question was answered). */
const greetByName = async (_args: unknown, ctx: HandlerContext) => {
  const r = await askName(ctx);
  return `Hello, ${String(r.content?.name ?? r.action)}!`;
};

export function addModernFixtures(server: McpServer): void {
  const none = { type: "object" as const, properties: {} };
  server.registerTool(
    "test_input_required_result_elicitation",
    { description: "Asks the user's name (elicitation), then greets them", inputSchema: none },
    async (_args, ctx) => {
      const r = await askName(ctx);
      return r.action === "accept" ? `Hello, ${String(r.content?.name ?? "someone")}!` : `No name given (${r.action})`;
    },
  );
  server.registerTool(
    "test_input_required_result_sampling",
    { description: "Asks the client's model for a line (sampling)", inputSchema: none },
    async (_args, ctx) => {
      const r = await ctx.sample(
        { messages: [{ role: "user", content: { type: "text", text: "Say hello" } }], maxTokens: 50 },
        { inputKey: "greeting" },
      );
      return `The model said: ${"text" in r.content ? r.content.text : JSON.stringify(r.content)}`;
    },
  );
  server.registerTool(
    "test_input_required_result_list_roots",
    { description: "Asks the client for its roots", inputSchema: none },
    async (_args, ctx) => {
      const r = await ctx.listRoots({ inputKey: "roots" });
      return `Roots: ${r.roots.map((x) => x.uri).join(", ") || "none"}`;
    },
  );
  server.registerTool(
    "test_input_required_result_request_state",
    { description: "Asks for a confirmation; the answer travels back with the signed request state", inputSchema: none },
    async (_args, ctx) => {
      const r = await ctx.elicit(
        { message: "Confirm?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } } },
        { inputKey: "confirm" },
      );
      return `Confirmed: ${r.action === "accept" && r.content?.ok === true}`;
    },
  );
  server.registerTool(
    "test_input_required_result_multiple_inputs",
    { description: "Asks for a name, a model's line and the roots at once", inputSchema: none },
    async (_args, ctx) => {
      const [name, line, roots] = await Promise.all([
        askName(ctx),
        ctx.sample({ messages: [{ role: "user", content: { type: "text", text: "Say hello" } }], maxTokens: 50 }, { inputKey: "greeting" }),
        ctx.listRoots({ inputKey: "roots" }),
      ]);
      return `name=${String(name.content?.name ?? name.action)}, model=${"text" in line.content ? line.content.text : "?"}, roots=${roots.roots.length}`;
    },
  );
  server.registerTool(
    "test_input_required_result_multi_round",
    { description: "Asks twice, one after the other (two rounds)", inputSchema: none },
    async (_args, ctx) => {
      const first = await askName(ctx);
      const second = await ctx.elicit(
        { message: "And your city?", requestedSchema: { type: "object", properties: { city: { type: "string" } } } },
        { inputKey: "user_city" },
      );
      return `name=${String(first.content?.name ?? first.action)}, city=${String(second.content?.city ?? second.action)}`;
    },
  );
  server.registerTool(
    "test_input_required_result_tampered_state",
    { description: "Asks for a name; a retry with an altered request state is refused", inputSchema: none },
    greetByName,
  );
  server.registerTool(
    "test_input_required_result_capabilities",
    { description: "Asks only what the client declared it can answer", inputSchema: none },
    async (_args, ctx) => {
      const caps = ctx.session.clientCapabilities;
      const asks: Promise<unknown>[] = [];
      if (caps.elicitation) asks.push(askName(ctx));
      if (caps.sampling)
        asks.push(
          ctx.sample(
            { messages: [{ role: "user", content: { type: "text", text: "Say hello" } }], maxTokens: 50 },
            { inputKey: "greeting" },
          ),
        );
      await Promise.all(asks);
      return `answered ${asks.length} question(s)`;
    },
  );
  server.registerTool(
    "test_header_routing",
    {
      description: "Routes on its region argument, mirrored into the Mcp-Param-Region header (x-mcp-header)",
      inputSchema: {
        type: "object",
        properties: { region: { type: "string", "x-mcp-header": "Region" }, payload: { type: "string" } },
        required: ["region"],
      },
    },
    async (args) => `routed to ${String(args.region)}`,
  );
  server.registerTool(
    "test_missing_capability",
    { description: "Needs the client's sampling capability (without it: -32021 on 2026-07-28)", inputSchema: none },
    async (_args, ctx) => {
      const r = await ctx.sample({ messages: [{ role: "user", content: { type: "text", text: "Say hello" } }], maxTokens: 20 });
      return `The model said: ${"text" in r.content ? r.content.text : "?"}`;
    },
  );
  server.registerTool(
    "test_streaming_elicitation",
    {
      description: "Elicits while the request is open (2026-07-28: an input_required result, never a request on the stream)",
      inputSchema: none,
    },
    greetByName,
  );
  server.registerTool(
    "test_logging_tool",
    { description: "Logs three messages (2026-07-28: only when the request names a log level)", inputSchema: none },
    async (_args, ctx) => {
      for (const level of ["info", "warning", "error"] as const) ctx.log(level, `a ${level} message from test_logging_tool`);
      return "logged three messages";
    },
  );
  // Changes to the lists, for subscriptions/listen: a tool (or prompt) appears and goes, and listeners hear it.
  let changes = 0;
  server.registerTool(
    "test_trigger_tool_change",
    { description: "Adds and removes a tool, so that the tool list changes", inputSchema: none },
    async () => {
      const t = server.registerTool(`temporary_tool_${++changes}`, { description: "Here for a moment" }, () => "here");
      setTimeout(() => t.remove(), 10);
      return "the tool list changed";
    },
  );
  server.registerTool(
    "test_trigger_prompt_change",
    { description: "Adds and removes a prompt, so that the prompt list changes", inputSchema: none },
    async () => {
      const p = server.registerPrompt(`temporary_prompt_${++changes}`, { description: "Here for a moment" }, () => [
        { role: "user", content: { type: "text", text: "here" } },
      ]);
      setTimeout(() => p.remove(), 10);
      return "the prompt list changed";
    },
  );
  server.registerPrompt(
    "test_input_required_result_prompt",
    { description: "A prompt that first asks the user for context" },
    async (_args, ctx) => {
      const r = await ctx.elicit(
        { message: "What should the prompt be about?", requestedSchema: { type: "object", properties: { context: { type: "string" } } } },
        { inputKey: "user_context" },
      );
      return [{ role: "user", content: { type: "text", text: `Write about ${String(r.content?.context ?? "anything")}.` } }];
    },
  );
}

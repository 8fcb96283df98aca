/**
 * The scripted server the dashboard's browser tests drive (browser.test.ts): tools that ask the person (a URL to
 * open, a form, a model's answer, a question it withdraws), one that waits for the test, an echo, and a prompt whose
 * completion answers "" only when the test says so. It runs in the test's process, so a test decides when it
 * answers — by a promise, never a timer.
 */
import { McpServer } from "../../src/server/index.js";

/** deferred: a promise and the function that settles it. */
function deferred(): [Promise<void>, () => void] {
  let settle!: () => void;
  return [new Promise<void>((r) => (settle = r)), () => settle()];
}

export interface Script {
  /** What ask_name's questions were answered, as the server got it ("accept ada"). */
  answers: string[];
  /** Withdraws the question ask_then_withdraw is waiting on. */
  withdrawQuestion?: () => void;
  /** hold: settles when the tool has started; release lets it answer. */
  holdStarted: Promise<void>;
  releaseHold(): void;
  /** The values the trip prompt's completion was asked for, in the order they arrived. */
  completions: string[];
  /** Lets the completion's answer for "" go (it waits until then). */
  releaseEmptyCompletion(): void;
}

const CITIES = ["paris", "park", "party", "test", "testing"];

export function scriptedServer(): { server: McpServer; script: Script } {
  const [holdStarted, started] = deferred();
  const [holdReleased, releaseHold] = deferred();
  const [emptyCompletion, releaseEmptyCompletion] = deferred();
  const script: Script = { answers: [], holdStarted, releaseHold, completions: [], releaseEmptyCompletion };
  const server = new McpServer({ name: "scripted", version: "1.0.0" });
  server.registerTool(
    "open_page",
    {
      description: "Asks the person to open a page (URL-mode elicitation)",
      inputSchema: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
    },
    async ({ url }, ctx) => {
      const r = await ctx.elicit({ mode: "url", url: String(url), message: "Finish on this page." });
      return `open_page: action=${r.action}`;
    },
  );
  server.registerTool(
    "ask_name",
    {
      description: "Asks the person for their name (form elicitation)",
      inputSchema: { type: "object", properties: { label: { type: "string" } } },
    },
    async ({ label }, ctx) => {
      const r = await ctx.elicit({
        message: `What is your name? (${label ?? "no label"})`,
        requestedSchema: { type: "object", properties: { name: { type: "string", title: "Name" } }, required: ["name"] },
      });
      const name = (r.content as { name?: string } | undefined)?.name ?? "";
      script.answers.push(`${r.action} ${name}`);
      return `ask_name: action=${r.action} name=${name}`;
    },
  );
  server.registerTool("ask_model", { description: "Asks for a model's answer (sampling)" }, async (_args, ctx) => {
    const r = await ctx.sample({ messages: [{ role: "user", content: { type: "text", text: "Say hello" } }], maxTokens: 20 });
    return `ask_model: ${(r.content as { text?: string }).text}`;
  });
  server.registerTool(
    "ask_then_withdraw",
    { description: "Asks, then withdraws the question when the test says so" },
    async (_args, ctx) => {
      const withdraw = new AbortController();
      script.withdrawQuestion = () => withdraw.abort();
      const r = await ctx
        .elicit({ message: "Soon withdrawn", requestedSchema: { type: "object", properties: {} } }, { signal: withdraw.signal })
        .catch((e: Error) => ({ action: `withdrawn (${e.message})` }));
      return `ask_then_withdraw: ${r.action}`;
    },
  );
  server.registerTool("hold", { description: "Waits until the test lets it go" }, async () => {
    started();
    await holdReleased;
    return "hold: released";
  });
  server.registerTool(
    "echo",
    { description: "Echoes its text", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
    ({ text }) => `echo: ${text}`,
  );
  server.registerPrompt(
    "trip",
    {
      description: "A prompt whose argument completes; the answer for an empty value waits for the test",
      arguments: [
        {
          name: "city",
          description: "Where to",
          required: true,
          complete: async (value) => {
            script.completions.push(value);
            if (value === "") await emptyCompletion;
            return CITIES.filter((c) => c.startsWith(value));
          },
        },
      ],
    },
    ({ city }) => [{ role: "user", content: { type: "text", text: `A trip to ${city}` } }],
  );
  return { server, script };
}

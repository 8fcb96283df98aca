import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestStateCodec } from "../../src/server/mrtr.js";

const binding = { m: "tools/call", t: "book", h: "args-digest", p: "issuer sub alice" };

test("requestState: opens with the answers it sealed; altered, foreign, or signed elsewhere is refused", async () => {
  const codec = new RequestStateCodec("a secret shared by every process");
  const state = await codec.seal({ ...binding, a: { user_name: { action: "accept", content: { name: "Ada" } } }, q: { user_name: "q1" } });
  assert.deepEqual(await codec.open(state, binding), {
    answers: { user_name: { action: "accept", content: { name: "Ada" } } },
    questions: { user_name: "q1" },
  });
  assert.deepEqual(await new RequestStateCodec("a secret shared by every process").open(state, binding), await codec.open(state, binding));
  const refused = async (text: unknown, b = binding, c = codec) => {
    try {
      await c.open(text, b);
      return "";
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(await refused(`${state}x`), /integrity/);
  const [body, mac] = state.split(".");
  const forged = Buffer.from(
    JSON.stringify({
      ...JSON.parse(Buffer.from(body!, "base64url").toString()),
      a: { user_name: { action: "accept", content: { name: "Eve" } } },
    }),
  ).toString("base64url");
  assert.match(await refused(`${forged}.${mac}`), /integrity/);
  assert.match(await refused(state, { ...binding, t: "cancel" }), /another request/);
  assert.match(await refused(state, { ...binding, h: "other-args" }), /other arguments/);
  assert.match(await refused(state, { ...binding, p: "issuer sub mallory" }), /another caller/);
  assert.match(await refused(state, binding, new RequestStateCodec()), /integrity/);
  assert.match(await refused(42), /string/);
});

test("a round's state is bound to the arguments, and an answer to another question under the same key is asked again", async () => {
  const { McpServer } = await import("../../src/server/index.js");
  const { StreamableHttpHandler } = await import("../../src/transports/http/index.js");
  const { modernPost } = await import("../fixtures/modern.js");
  const server = new McpServer({ name: "s", version: "1" });
  let version = 1;
  server.registerTool("transfer", { inputSchema: { type: "object", properties: { amount: { type: "number" } } } }, async (args, ctx) => {
    const r = await ctx.elicit(
      {
        message: `Transfer ${String(args.amount)}? (v${version})`,
        requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } },
      },
      { inputKey: "confirm" },
    );
    return r.action === "accept" ? `sent ${String(args.amount)}` : "not sent";
  });
  const h = new StreamableHttpHandler(server);
  const call = async (params: Record<string, unknown>) =>
    (await (await modernPost(h.fetch, "tools/call", { name: "transfer", ...params }, { caps: { elicitation: {} } })).json()) as {
      result?: Record<string, unknown>;
      error?: { code: number; message: string };
    };
  const yes = { confirm: { action: "accept", content: { ok: true } } };
  const first = (await call({ arguments: { amount: 5 } })).result!;
  assert.equal(first.resultType, "input_required");
  const moved = await call({ arguments: { amount: 5000 }, inputResponses: yes, requestState: first.requestState });
  assert.match(moved.error?.message ?? "", /other arguments/, "the state of a 5 transfer does not carry a 5000 one");
  version = 2; // the handler now asks something else under the same key
  const again = (await call({ arguments: { amount: 5 }, inputResponses: yes, requestState: first.requestState })).result!;
  assert.equal(again.resultType, "input_required", "an answer to the old question is not an answer to the new one");
  const done = (await call({ arguments: { amount: 5 }, inputResponses: yes, requestState: again.requestState })).result!;
  assert.deepEqual(done.content, [{ type: "text", text: "sent 5" }]);
  await h.close();
});

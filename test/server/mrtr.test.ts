import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestStateCodec } from "../../src/server/mrtr.js";

const binding = { m: "tools/call", t: "book", p: "issuer sub alice" };

test("requestState: opens with the answers it sealed; altered, foreign, or signed elsewhere is refused", async () => {
  const codec = new RequestStateCodec("a secret shared by every process");
  const state = await codec.seal({ ...binding, a: { user_name: { action: "accept", content: { name: "Ada" } } } });
  assert.deepEqual(await codec.open(state, binding), { user_name: { action: "accept", content: { name: "Ada" } } });
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
  assert.match(await refused(state, { ...binding, p: "issuer sub mallory" }), /another caller/);
  assert.match(await refused(state, binding, new RequestStateCodec()), /integrity/);
  assert.match(await refused(42), /string/);
});

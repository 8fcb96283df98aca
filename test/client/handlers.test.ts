/** What a client declares and answers follows from its handlers, and only from them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clientCapabilities, serverRequestHandlers } from "../../src/client/handlers.js";
import type { RequestContext } from "../../src/jsonrpc/session.js";

const noop = async () => ({ action: "accept" as const });
const sampling = async () => ({ role: "assistant" as const, content: { type: "text" as const, text: "x" }, model: "m" });

test("clientCapabilities: one entry per handler; tasks only with a receiver and something to run as a task", () => {
  assert.deepEqual(clientCapabilities({}, true), {});
  assert.deepEqual(clientCapabilities({ sampling, samplingTools: true }, false), { sampling: { tools: {} } });
  assert.deepEqual(clientCapabilities({ elicitUrl: noop, roots: [] }, false), { elicitation: { url: {} }, roots: { listChanged: true } });
  assert.deepEqual(clientCapabilities({ elicitForm: noop, sampling }, true), {
    sampling: {},
    elicitation: { form: {} },
    tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } },
  });
});

test("serverRequestHandlers: only the handlers given; requests the client did not declare are refused with -32602", async () => {
  const ctx = { signal: new AbortController().signal } as RequestContext;
  assert.deepEqual([...serverRequestHandlers({}, () => []).keys()], []);
  const h = serverRequestHandlers({ sampling, elicitForm: noop, roots: [] }, () => [{ uri: "file:///r", name: "r" }]);
  assert.deepEqual([...h.keys()].sort(), ["elicitation/create", "roots/list", "sampling/createMessage"]);
  assert.deepEqual(await h.get("roots/list")!({}, ctx), { roots: [{ uri: "file:///r", name: "r" }] });
  await assert.rejects(
    async () => h.get("sampling/createMessage")!({ messages: [], maxTokens: 1, tools: [] }, ctx),
    /did not declare "sampling.tools"/,
  );
  await assert.rejects(
    async () => h.get("elicitation/create")!({ mode: "url", url: "https://x", message: "m", elicitationId: "e" }, ctx),
    /does not support URL-mode elicitation/,
  );
});

/** The message classifier: every shape a peer can send, and what it is taken for. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { classify, isRequestId } from "../../src/protocol/message.js";

test("classify: requests, notifications, responses, and each way of being none of those", () => {
  const cases: { name: string; input: unknown; want: Record<string, unknown> }[] = [
    { name: "request", input: { jsonrpc: "2.0", id: 1, method: "ping" }, want: { kind: "request", id: 1, method: "ping", params: {} } },
    {
      name: "request with params",
      input: { jsonrpc: "2.0", id: "a", method: "x", params: { y: 1 } },
      want: { kind: "request", id: "a", params: { y: 1 } },
    },
    {
      name: "notification",
      input: { jsonrpc: "2.0", method: "notifications/initialized" },
      want: { kind: "notification", method: "notifications/initialized" },
    },
    { name: "result", input: { jsonrpc: "2.0", id: 3, result: {} }, want: { kind: "response", id: 3 } },
    { name: "error response", input: { jsonrpc: "2.0", id: 3, error: { code: 1, message: "m" } }, want: { kind: "response", id: 3 } },
    { name: "response with null id", input: { jsonrpc: "2.0", id: null, result: {} }, want: { kind: "response", id: null } },
    { name: "error without id", input: { jsonrpc: "2.0", error: { code: -32700, message: "parse" } }, want: { kind: "orphan-error" } },
    {
      name: "notification with array params",
      input: { jsonrpc: "2.0", method: "n", params: [1] },
      want: { kind: "bad-notification", method: "n" },
    },
    {
      name: "request with array params",
      input: { jsonrpc: "2.0", id: 7, method: "m", params: [1] },
      want: { kind: "invalid", id: 7, code: -32602 },
    },
    { name: "batch", input: [{ jsonrpc: "2.0", id: 1, method: "ping" }], want: { kind: "invalid", code: -32600 } },
    { name: "not an object", input: "hello", want: { kind: "invalid", code: -32600 } },
    { name: "null", input: null, want: { kind: "invalid", code: -32600 } },
    { name: "wrong version", input: { jsonrpc: "1.0", id: 2, method: "ping" }, want: { kind: "invalid", id: 2, code: -32600 } },
    { name: "method not a string", input: { jsonrpc: "2.0", id: 2, method: 5 }, want: { kind: "invalid", id: 2, code: -32600 } },
    { name: "fractional id", input: { jsonrpc: "2.0", id: 1.5, method: "ping" }, want: { kind: "invalid", code: -32600 } },
    { name: "null id on a request", input: { jsonrpc: "2.0", id: null, method: "ping" }, want: { kind: "invalid", code: -32600 } },
    { name: "neither", input: { jsonrpc: "2.0", id: 9 }, want: { kind: "invalid", id: 9, code: -32600 } },
  ];
  for (const c of cases) {
    const got = classify(c.input) as Record<string, unknown>;
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, `${c.name}: ${k}`);
    if (c.want.kind === "invalid" && !("id" in c.want)) assert.ok(!("id" in got), `${c.name}: no id`);
  }
});

test("isRequestId: strings and integers, nothing else", () => {
  for (const ok of ["a", "", 0, -1, 42]) assert.equal(isRequestId(ok), true, String(ok));
  for (const bad of [null, undefined, 1.5, Number.NaN, {}, [], true]) assert.equal(isRequestId(bad), false, String(bad));
});

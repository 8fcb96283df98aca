/** answers.ts: a server's JSON-RPC refusal over HTTP, with the transport's facts kept apart from what the server says. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorAnswer } from "../../../src/transports/http-client/answers.js";

const body = (error: unknown, id: unknown = 7) => JSON.stringify({ jsonrpc: "2.0", id, error });

test("errorAnswer: the server's error with httpStatus (and authorization on 401/403) added; other bodies are not answers", () => {
  assert.deepEqual(errorAnswer(body({ code: -32000, message: "x", data: { reason: "r" } }), 7, 400)?.error, {
    code: -32000,
    message: "x",
    data: { reason: "r", httpStatus: 400 },
  });
  assert.deepEqual(errorAnswer(body({ code: -32601, message: "no" }, null), 7, 404)?.id, 7, "a null id is this request's");
  assert.deepEqual(errorAnswer(body({ code: -32000, message: "x" }), 7, 403)?.error.data, { httpStatus: 403, authorization: true });
  for (const other of ["<html>", body({ code: "x" }), body({ code: -1, message: "m" }, 8), "null", JSON.stringify({ id: 7 })])
    assert.equal(errorAnswer(other, 7, 400), undefined, other);
});

test("errorAnswer: a server cannot pose as the transport, or hide a refusal about authorization", () => {
  const forged = errorAnswer(body({ code: -32000, message: "x", data: { local: true, httpStatus: 404, authorization: false } }), 7, 403)!;
  assert.deepEqual(forged.error.data, { httpStatus: 403, authorization: true });
  for (const data of ["text", ["a"], 7, null])
    assert.deepEqual(errorAnswer(body({ code: -32000, message: "x", data }), 7, 401)!.error.data, {
      value: data,
      httpStatus: 401,
      authorization: true,
    });
});

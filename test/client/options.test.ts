/** UrlElicitationRequiredError: a -32042 answer with the elicitations to complete. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { UrlElicitationRequiredError } from "../../src/client/options.js";
import { ProtocolError } from "../../src/protocol/errors.js";

test("UrlElicitationRequiredError is the -32042 ProtocolError and carries the elicitations", () => {
  const els = [{ mode: "url" as const, url: "https://x/consent", message: "m", elicitationId: "e1" }];
  const e = new UrlElicitationRequiredError("complete these", els);
  assert.ok(e instanceof ProtocolError);
  assert.equal(e.code, -32042);
  assert.deepEqual(e.elicitations, els);
  assert.deepEqual(e.toJSON(), { code: -32042, message: "complete these", data: { elicitations: els } });
});

/** checkAgainst turns a validator's first error into a message that names the field. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAgainst } from "../../src/protocol/validate.js";
import * as V from "../../src/protocol/generated/validators.js";

test("checkAgainst: missing, unexpected, wrong-typed and nested fields are named; a fit is undefined", () => {
  assert.equal(checkAgainst(V.CallToolRequestParams, { name: "x" }), undefined);
  assert.equal(checkAgainst(V.CallToolRequestParams, {}), 'missing required field "name"');
  assert.equal(checkAgainst(V.CallToolRequestParams, { name: "x", arguments: 5 }), '"arguments" must be object');
  assert.equal(
    checkAgainst(V.CallToolRequestParams, { name: "x", _meta: { progressToken: 1.5 } }),
    '"_meta.progressToken" must be string,integer',
  );
  assert.equal(checkAgainst(V.CallToolRequestParams, "nope"), "params must be object");
});

/** The method table and the typed method maps agree, and every entry checks what it says it checks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS, methodTables } from "../../src/protocol/methods.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../src/protocol/types.js";
import { checkAgainst } from "../../src/protocol/validate.js";
import type { ClientRequests, ServerRequests } from "../../src/protocol/method-types.js";

// The typed maps name the same methods as the validator tables (a compile-time check, spelled out at run time).
const clientMethods: Record<keyof ClientRequests, true> = {
  initialize: true,
  ping: true,
  "tools/list": true,
  "tools/call": true,
  "resources/list": true,
  "resources/templates/list": true,
  "resources/read": true,
  "resources/subscribe": true,
  "resources/unsubscribe": true,
  "prompts/list": true,
  "prompts/get": true,
  "completion/complete": true,
  "logging/setLevel": true,
  "tasks/get": true,
  "tasks/result": true,
  "tasks/list": true,
  "tasks/cancel": true,
};
const serverMethods: Record<keyof ServerRequests, true> = {
  ping: true,
  "sampling/createMessage": true,
  "elicitation/create": true,
  "roots/list": true,
  "tasks/get": true,
  "tasks/result": true,
  "tasks/list": true,
  "tasks/cancel": true,
};

test("the typed maps and the validator tables name the same methods", () => {
  assert.deepEqual(Object.keys(CLIENT_REQUESTS).sort(), Object.keys(clientMethods).sort());
  assert.deepEqual(Object.keys(SERVER_REQUESTS).sort(), Object.keys(serverMethods).sort());
});

test("every supported revision has method tables; the 2025 revisions share the 2025-11-25 ones", () => {
  for (const v of SUPPORTED_PROTOCOL_VERSIONS) {
    const t = methodTables(v);
    assert.equal(t.clientRequests, CLIENT_REQUESTS, v);
    assert.equal(t.serverRequests, SERVER_REQUESTS, v);
    assert.equal(t.notifications, NOTIFICATIONS, v);
  }
});

test("each validator accepts a valid params object and names the field of an invalid one", () => {
  assert.equal(checkAgainst(CLIENT_REQUESTS["tools/call"]!.params, { name: "x", arguments: {} }), undefined);
  assert.equal(checkAgainst(CLIENT_REQUESTS["tools/call"]!.params, {}), 'missing required field "name"');
  assert.equal(checkAgainst(CLIENT_REQUESTS["tools/call"]!.params, { name: 1 }), '"name" must be string');
  assert.equal(checkAgainst(CLIENT_REQUESTS["resources/read"]!.params, { uri: "test://x" }), undefined);
  assert.equal(checkAgainst(NOTIFICATIONS["notifications/progress"]!.params, { progressToken: 1, progress: 0.5 }), undefined);
  assert.match(checkAgainst(NOTIFICATIONS["notifications/progress"]!.params, { progress: 0.5 })!, /progressToken/);
  for (const [m, spec] of Object.entries(CLIENT_REQUESTS)) assert.ok(spec.result, `${m} has a result validator`);
});

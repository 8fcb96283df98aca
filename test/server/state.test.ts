/** ServerState.visible: lists show what the caller has the scopes for, unless the server shows everything. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerState } from "../../src/server/state.js";
import type { RequestContext } from "../../src/jsonrpc/session.js";

const items = [
  { scopes: [], id: "open" },
  { scopes: ["admin"], id: "admin" },
  { scopes: ["admin", "audit"], id: "audit" },
];
const rpc = (scopes?: string[]) => ({ extra: scopes ? { authInfo: { token: "t", scopes } } : undefined }) as unknown as RequestContext;
const ids = (it: Iterable<{ id: string }>) => [...it].map((i) => i.id);

test("visible: without auth everything; with auth only what the scopes allow; unauthorizedItems show lists all", () => {
  const hide = new ServerState({ name: "s", version: "1" }, {});
  assert.deepEqual(ids(hide.visible(items, rpc())), ["open", "admin", "audit"]);
  assert.deepEqual(ids(hide.visible(items, rpc([]))), ["open"]);
  assert.deepEqual(ids(hide.visible(items, rpc(["admin"]))), ["open", "admin"]);
  assert.deepEqual(ids(hide.visible(items, rpc(["admin", "audit"]))), ["open", "admin", "audit"]);
  const show = new ServerState({ name: "s", version: "1" }, { unauthorizedItems: "show" });
  assert.deepEqual(ids(show.visible(items, rpc([]))), ["open", "admin", "audit"]);
});

/**
 * HTTP session lifecycle (sessions.ts): sessions expire across restarts and are swept (attack #6), unconfirmed
 * ones end early and are never recorded, one client cannot take every session (attack #9), and a session belongs to
 * one principal, keyed so that principals cannot collide (attack #5).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "../../../src/server/index.js";
import { StreamableHttpHandler, type StreamableHttpOptions } from "../../../src/transports/http/index.js";
import { SqliteSessionStore, SqliteTaskStore } from "../../../src/stores/sqlite/index.js";
import { bearerAuth, InvalidTokenError, type AuthInfo, type TokenVerifier } from "../../../src/auth/index.js";
import { ENDPOINT, INITIALIZE, openSession, post } from "../../fixtures/http-requests.js";
import { sleep, waitFor } from "../../helpers.js";

function server() {
  const s = new McpServer({ name: "sessions", version: "1" });
  s.registerTool("echo", {}, () => "echo");
  return s;
}

const ping = async (h: StreamableHttpHandler, sid: string, remoteAddress = "10.0.0.1") =>
  (await post(h, { jsonrpc: "2.0", id: 1, method: "ping" }, { sid, remoteAddress })).status;

test("attack #6: after a restart, a recorded session idle past the timeout is 404 and its row is swept; a recent one still works", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-sessions-"));
  const file = join(dir, "s.db");
  const opts = (store: SqliteSessionStore): StreamableHttpOptions => ({ sessionStore: store, sessionIdleTimeoutMs: 400 });
  let store = new SqliteSessionStore({ filename: file });
  let h = new StreamableHttpHandler(server(), opts(store));
  const stale = await openSession(h);
  const swept = await openSession(h);
  await h.close();
  store.close();
  await sleep(700); // both idle past 400 ms while no process held them
  store = new SqliteSessionStore({ filename: file });
  h = new StreamableHttpHandler(server(), opts(store));
  const fresh = await openSession(h);
  assert.equal(await ping(h, stale), 404, "expired across the restart");
  assert.equal(store.load(stale), undefined, "and forgotten");
  assert.equal(await ping(h, fresh), 200);
  // The other stale row is never asked for: the sweep removes it anyway, so rows do not pile up across restarts.
  await waitFor(() => store.load(swept) === undefined, 3000);
  assert.equal(await ping(h, fresh), 200, "a session in use is kept");
  await h.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("attack #6: a session whose client never sends notifications/initialized (nor any request) ends within the initialize timeout and is never recorded", async () => {
  const store = new SqliteSessionStore({ filename: ":memory:" });
  const h = new StreamableHttpHandler(server(), { sessionStore: store, initializeTimeoutMs: 200 });
  const stray = await openSession(h, { confirm: false });
  const real = await openSession(h);
  assert.equal(store.load(stray), undefined, "not recorded before it is confirmed");
  assert.ok(store.load(real));
  await sleep(600);
  assert.equal(await ping(h, stray), 404);
  assert.equal(await ping(h, real), 200);
  assert.equal(h.sessionCount, 1);
  await h.close();
  store.close();
});

test("a request after initialize confirms a session whose client forgot the notification", async () => {
  const store = new SqliteSessionStore({ filename: ":memory:" });
  const h = new StreamableHttpHandler(server(), { sessionStore: store, initializeTimeoutMs: 200 });
  const forgetful = await openSession(h, { confirm: false });
  assert.equal(await ping(h, forgetful), 200);
  assert.ok(store.load(forgetful), "recorded once it is used");
  await sleep(600);
  assert.equal(await ping(h, forgetful), 200, "and kept");
  await h.close();
  store.close();
});

test("attack #9: one client cannot take every session: past maxSessionsPerClient initialize gets 429 with a body; other clients are unaffected", async () => {
  const h = new StreamableHttpHandler(server(), { maxSessionsPerClient: 3 });
  const mine = [await openSession(h), await openSession(h), await openSession(h)];
  const refused = await post(h, INITIALIZE);
  assert.equal(refused.status, 429);
  assert.equal(refused.retryAfter, "30");
  assert.equal(refused.body.id, 0);
  assert.equal(refused.body.error.code, -32013);
  assert.match(refused.body.error.message, /too many sessions: this client already holds 3/);
  assert.ok(await openSession(h, { remoteAddress: "10.0.0.2" }), "another address still gets one");
  // Ending one frees a place.
  const del = await h.fetch(new Request(ENDPOINT, { method: "DELETE", headers: { host: "127.0.0.1:3000", "mcp-session-id": mine[0]! } }), {
    remoteAddress: "10.0.0.1",
  });
  assert.equal(del.status, 200);
  assert.ok(await openSession(h));
  await h.close();
});

const TOKENS: Record<string, Omit<AuthInfo, "token" | "scopes">> = {
  "tok-alice-user-0123456789": { issuer: "https://as1.example", subject: "alice" },
  "tok-alice-client-0123456789": { issuer: "https://as1.example", clientId: "alice" },
  "tok-alice-other-issuer-0123": { issuer: "https://as2.example", subject: "alice" },
  "tok-nobody-0123456789": { issuer: "https://as1.example" },
};
const verifier: TokenVerifier = {
  async verify(token) {
    const known = TOKENS[token];
    if (!known) throw new InvalidTokenError("unknown token");
    return { token, scopes: ["mcp"], ...known };
  },
};

test("attack #5: a token without sub and client_id=alice, or alice at another issuer, reaches neither the user alice's session nor her tasks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-principal-"));
  const db = join(dir, "t.db");
  const s = new McpServer({ name: "p", version: "1" }, { tasks: { store: new SqliteTaskStore({ filename: db }) } });
  s.registerTool(
    "secret",
    { execution: { taskSupport: "optional" } },
    (_a, ctx) => `for ${ctx.authInfo?.subject ?? ctx.authInfo?.clientId}`,
  );
  const h = new StreamableHttpHandler(s, {
    sessionStore: new SqliteSessionStore({ filename: db }),
    auth: bearerAuth({ verifier, resource: ENDPOINT, authorizationServers: ["https://as1.example"] }),
  });
  try {
    const alice = "tok-alice-user-0123456789";
    const sid = await openSession(h, { token: alice });
    const created = await post(
      h,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "secret", task: {} } },
      { sid, token: alice },
    );
    const taskId = created.body.result.task.taskId as string;
    for (const impostor of ["tok-alice-client-0123456789", "tok-alice-other-issuer-0123"]) {
      // Her session id does not work for them...
      assert.equal((await post(h, { jsonrpc: "2.0", id: 2, method: "ping" }, { sid, token: impostor })).status, 404, impostor);
      // ...and from a session of their own her task does not exist.
      const own = await openSession(h, { token: impostor });
      for (const method of ["tasks/get", "tasks/result", "tasks/cancel"]) {
        const r = await post(h, { jsonrpc: "2.0", id: 3, method, params: { taskId } }, { sid: own, token: impostor });
        assert.equal(r.body.error?.code, -32602, `${impostor} ${method}`);
        assert.match(r.body.error.message, /not found/);
      }
      assert.deepEqual(
        (await post(h, { jsonrpc: "2.0", id: 4, method: "tasks/list" }, { sid: own, token: impostor })).body.result.tasks,
        [],
      );
    }
    // She still has both.
    assert.equal(
      (await post(h, { jsonrpc: "2.0", id: 5, method: "tasks/result", params: { taskId } }, { sid, token: alice })).body.result.content[0]
        .text,
      "for alice",
    );
    // A token that names no one is refused outright.
    const nobody = await post(h, INITIALIZE, { token: "tok-nobody-0123456789" });
    assert.equal(nobody.status, 401);
    assert.match(nobody.challenge, /error="invalid_token", error_description="the access token identifies no one/);
  } finally {
    await h.close();
    await s.close();
  }
  // Nothing in the database is a token.
  const read = (f: string) => {
    try {
      return readFileSync(f).toString("latin1");
    } catch {
      return "";
    }
  };
  const raw = read(db) + read(`${db}-wal`);
  for (const token of Object.keys(TOKENS)) assert.ok(!raw.includes(token), `${token} is not stored`);
  assert.ok(raw.includes("https://as1.example"), "the owners are stored (so the check above reads real data)");
  rmSync(dir, { recursive: true, force: true });
});

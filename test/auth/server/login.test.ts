/**
 * The sign-in throttle under bursts: every password check is reserved in the store before it runs, so posts sent
 * all at once — on one sign-in, on many, or on two servers sharing a store — get no more checks than the limits
 * (5 per sign-in transaction, 10 per username in 15 minutes), and the rest are refused with 429.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormBrowser, formOf } from "../../fixtures/form-browser.js";
import { demoUsers, protectedServer, ROLES, type ProtectedSetup } from "../../fixtures/auth-server.js";
import { AuthorizationServer, type UserAuthenticator } from "../../../src/auth/server/index.js";

const REDIRECT = "http://127.0.0.1:7777/callback";

/** demoUsers, counting the password checks. */
function counted(): UserAuthenticator & { checks: number } {
  const inner = demoUsers();
  const users = {
    checks: 0,
    lookup: inner.lookup?.bind(inner),
    async verifyPassword(username: string, password: string) {
      users.checks++;
      return inner.verifyPassword(username, password);
    },
  };
  return users;
}

function authorizeUrl(issuer: string, resource: string): string {
  const u = new URL(`${issuer}/authorize`);
  const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: "app",
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource,
  }))
    u.searchParams.set(k, v);
  return u.href;
}

/** Starts a sign-in in `b` and returns its password form. */
async function signIn(s: ProtectedSetup, b = new FormBrowser()) {
  const form = formOf(await (await b.get(authorizeUrl(s.as.issuer, s.url))).text())!;
  const post = async (username: string, password: string) => {
    const r = await b.post(form.action, { ...form.fields, username, password });
    return { status: r.status, text: await r.text(), location: r.headers.get("location") };
  };
  return { post };
}

const tally = (statuses: number[]) => {
  const t: Record<number, number> = {};
  for (const s of statuses) t[s] = (t[s] ?? 0) + 1;
  return t;
};

test("40 wrong passwords at once on one sign-in: 5 are checked, 35 refused with 429; the sign-in is over, even for the right password", async () => {
  const users = counted();
  const s = await protectedServer({ users });
  try {
    const one = await signIn(s);
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => one.post("alice", `guess-${i}`)));
    assert.deepEqual(tally(burst.map((r) => r.status)), { 401: 5, 429: 35 });
    assert.equal(users.checks, 5, "only the transaction's 5 attempts reach the password check");
    const right = await one.post("alice", "alice-demo-password");
    assert.equal(right.status, 429, "the transaction is dropped");
    assert.equal(right.location, null);
    assert.match(right.text, /start again from the application/);
    assert.equal(users.checks, 5);
    // 5 failures do not lock the account: a new sign-in from the application works.
    const again = await signIn(s);
    const ok = await again.post("alice", "alice-demo-password");
    assert.equal(ok.status, 200, "the consent page");
    assert.match(ok.text, /Allow access\?/);
  } finally {
    await s.close();
  }
});

test("40 wrong passwords at once over 8 sign-ins: 10 are checked, 30 refused with 429; then the right password waits too", async () => {
  const users = counted();
  const s = await protectedServer({ users });
  try {
    const signIns = await Promise.all(Array.from({ length: 8 }, () => signIn(s)));
    const burst = await Promise.all(signIns.flatMap((t, j) => Array.from({ length: 5 }, (_, i) => t.post("alice", `guess-${j}-${i}`))));
    assert.deepEqual(tally(burst.map((r) => r.status)), { 401: 10, 429: 30 });
    assert.equal(users.checks, 10, "only the username's 10 attempts reach the password check");
    const right = await (await signIn(s)).post("alice", "alice-demo-password");
    assert.equal(right.status, 429);
    assert.match(right.text, /Too many failed attempts/);
    assert.equal(users.checks, 10, "a locked username is not checked at all");
    const failed = s.audit.events.filter((e) => e.type === "login_failed");
    assert.equal(failed.filter((e) => e.outcome === "bad_credentials").length, 10);
    assert.equal(failed.filter((e) => e.outcome === "locked").length, 31);
    const bob = await (await signIn(s)).post("bob", "bob-demo-password");
    assert.equal(bob.status, 200, "another user is not affected");
  } finally {
    await s.close();
  }
});

test("two authorization servers on one SQLite store (two processes of a cluster) count the same failures", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-throttle-"));
  const users = counted();
  const issuer = "https://as.example.com";
  const resource = "https://mcp.example.com/mcp";
  const node = () =>
    new AuthorizationServer({
      database: join(dir, "auth.db"),
      audit: false,
      issuer,
      roles: ROLES,
      users,
      resources: [{ uri: resource, scopes: ["mcp:read"], defaultScopes: ["mcp:read"] }],
      clients: [{ clientId: "app", redirectUris: ["http://127.0.0.1/callback"] }],
    });
  const nodes = [node(), node()];
  /** A sign-in started on one node; its posts go to `to`. */
  const signInOn = async (on: AuthorizationServer) => {
    const r = await on.fetch(new Request(authorizeUrl(issuer, resource)));
    const cookie = r.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const form = formOf(await r.text())!;
    return async (to: AuthorizationServer, username: string, password: string) => {
      const res = await to.fetch(
        new Request(form.action, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: issuer },
          body: new URLSearchParams({ ...form.fields, username, password }),
        }),
      );
      await res.body?.cancel();
      return res.status;
    };
  };
  try {
    const posts = await Promise.all([0, 1, 2, 3].map((i) => signInOn(nodes[i % 2]!)));
    // Each sign-in's posts go to both nodes, as a balancer would send them.
    const burst = await Promise.all(
      posts.flatMap((post, j) => Array.from({ length: 5 }, (_, i) => post(nodes[i % 2]!, "alice", `g-${j}-${i}`))),
    );
    assert.deepEqual(tally(burst), { 401: 10, 429: 10 });
    assert.equal(users.checks, 10, "one limit across both nodes");
    const right = await (await signInOn(nodes[0]!))(nodes[1]!, "alice", "alice-demo-password");
    assert.equal(right, 429, "locked on the other node too");
  } finally {
    for (const n of nodes) await n.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * An authenticator of its own with accounts that differ only by case ("alice", and "Alice" an attacker made for
 * themself), which names each account with `canonical`; counting its password checks per typed name.
 */
function caseSensitive(): UserAuthenticator & { checks: Record<string, number> } {
  const passwords: Record<string, string> = { alice: "alice-real-password", Alice: "attacker-own-password" };
  const users = {
    checks: {} as Record<string, number>,
    canonical: (name: string) => (name in passwords ? `id-${name}` : undefined),
    async verifyPassword(username: string, password: string) {
      users.checks[username] = (users.checks[username] ?? 0) + 1;
      return passwords[username] === password ? { id: `id-${username}`, roles: ["reader"] } : undefined;
    },
  };
  return users;
}

test("accounts told apart by canonical: a sign-in to 'Alice' does not give 'alice' her attempts back", async () => {
  const users = caseSensitive();
  const s = await protectedServer({ users });
  try {
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) statuses.push((await (await signIn(s)).post("alice", `guess-${round}-${i}`)).status);
      assert.equal((await (await signIn(s)).post("Alice", "attacker-own-password")).status, 200, "the attacker's own sign-in works");
    }
    assert.deepEqual(tally(statuses), { 401: 10, 429: 2 }, "10 checks for 'alice' in the window, however often 'Alice' signs in");
    assert.equal(users.checks.alice, 10);
  } finally {
    await s.close();
  }
});

test("aliases of one account named by canonical share its attempts", async () => {
  const users = counted();
  const aliases = { ...users, canonical: (name: string) => (name === "alice" || name === "alice@corp" ? "alice" : undefined) };
  const s = await protectedServer({ users: aliases });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await (await signIn(s)).post(i % 2 ? "alice@corp" : "alice", `guess-${i}`)).status);
    assert.deepEqual(tally(statuses), { 401: 10, 429: 2 });
    assert.equal((await (await signIn(s)).post("alice", "alice-demo-password")).status, 429, "the account is locked by either name");
  } finally {
    await s.close();
  }
});

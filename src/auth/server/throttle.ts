/**
 * The sign-in throttle: how many passwords may be tried, per username and per sign-in transaction.
 *
 * Each attempt is reserved in the store before its password is checked, by one atomic `update`, and refused when
 * none is left. Reading the count before the slow scrypt check and adding to it after let every post of a burst
 * through: all of them read the same count. Reserved first, a burst — on one node or on every node sharing the
 * store — gets no more checks than the limit. Only a successful sign-in gives the username's attempts back.
 *
 * The per-username counter is keyed by an HMAC of the normalized username, with a secret kept in the store (so
 * every node computes the same key): the lockout stays per username — names that do not exist included, so that
 * the throttle answers alike for both — while the store never holds what was typed into the username box, which
 * is sometimes a password.
 */
import { createHmac } from "node:crypto";
import type { AuthStore } from "../../stores/auth-store.js";
import { sharedSecret } from "./keys.js";
import { normalizeUsername } from "./users.js";

/** Password checks one username gets in FAILURE_WINDOW_MS; past them it waits for the window to pass. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/**
 * Password checks one sign-in transaction gets. After that many failures it is over and the person starts again
 * from the application: a page left open cannot serve as an endless guessing form, and a burst on one transaction
 * spends at most this many of the username's attempts.
 */
export const MAX_TRANSACTION_ATTEMPTS = 5;

interface Failures {
  count: number;
  since: number;
}

/**
 * The HMAC key of each store, read once. Once made it never changes (added if absent, never expires), and reading
 * it on every sign-in cost a store write (`add`) per attempt — one more write to wait for another process's lock.
 */
const secrets = new WeakMap<AuthStore, Promise<Uint8Array>>();

function throttleSecret(store: AuthStore): Promise<Uint8Array> {
  let secret = secrets.get(store);
  if (!secret) {
    const read = sharedSecret(store, "login-throttle-key");
    secrets.set(store, read);
    // A failed read is not kept: the next sign-in tries again.
    read.catch(() => secrets.get(store) === read && secrets.delete(store));
    secret = read;
  }
  return secret;
}

/**
 * usernameKey: the counter key of a username — an HMAC, never the name — of its normalized form (NFKC, trimmed,
 * lower case: normalizeUsername), or of `account` when the authenticator named the account the name signs in to
 * (UserAuthenticator.canonical), so that every alias of an account counts against the same attempts.
 */
export async function usernameKey(store: AuthStore, username: string, account?: string): Promise<string> {
  const secret = await throttleSecret(store);
  // Accounts in a domain of their own. A typed name spelt like one ("\0account x") that names no account shares
  // only its failures, as typing the account's own name would; it cannot sign in and clear them.
  const counted = account === undefined ? normalizeUsername(username) : `\0account ${account}`;
  return createHmac("sha256", secret).update(counted).digest("base64url");
}

/** reserveAttempt takes one of the username's attempts; false when the window's are all used. */
export async function reserveAttempt(store: AuthStore, key: string, now = Date.now()): Promise<boolean> {
  let reserved = false;
  await store.update<Failures>(
    "counter",
    `login ${key}`,
    (c) => {
      const live = c && now - c.since < FAILURE_WINDOW_MS ? c : undefined;
      reserved = !live || live.count < MAX_FAILURES;
      if (!live) return { count: 1, since: now };
      return reserved ? { count: live.count + 1, since: live.since } : live;
    },
    now + FAILURE_WINDOW_MS,
  );
  return reserved;
}

/** clearAttempts gives the username its attempts back, after a successful sign-in. */
export async function clearAttempts(store: AuthStore, key: string): Promise<void> {
  await store.delete("counter", `login ${key}`);
}

/** What a sign-in transaction record carries for the throttle. */
export interface Attempted {
  /** Password checks reserved on this transaction. */
  attempts?: number;
  /** Set once someone signed in on it (the attempts no longer matter). */
  user?: unknown;
}

/** spent: the transaction has had all its attempts and nobody signed in on it — it is over, for every form. */
export function spent(txn: Attempted): boolean {
  return !txn.user && (txn.attempts ?? 0) >= MAX_TRANSACTION_ATTEMPTS;
}

type Reservation = { outcome: "ok"; attempt: number } | { outcome: "spent" } | { outcome: "gone" };

/**
 * reserveTransactionAttempt takes one of a transaction's attempts (`id` is its record's id): "ok" with the
 * number this one is, "spent" when none is left, "gone" when the transaction has expired.
 */
export async function reserveTransactionAttempt(store: AuthStore, id: string): Promise<Reservation> {
  let result: Reservation = { outcome: "gone" };
  await store.update<Attempted>("session", id, (t) => {
    if (!t) {
      result = { outcome: "gone" };
      return undefined;
    }
    if ((t.attempts ?? 0) >= MAX_TRANSACTION_ATTEMPTS) {
      result = { outcome: "spent" };
      return t;
    }
    const attempt = (t.attempts ?? 0) + 1;
    result = { outcome: "ok", attempt };
    return { ...t, attempts: attempt };
  });
  return result;
}

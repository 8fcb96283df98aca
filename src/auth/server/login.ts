/**
 * The password form of the sign-in page (POST /authorize/login), with the throttle in front of the check: each
 * attempt is reserved on the transaction and on the username first (throttle.ts), so that a burst of posts gets
 * no more password checks than the limits.
 */
import type { ServerContext } from "./context.js";
import { html } from "./http.js";
import { errorPage, loginPage } from "./pages.js";
import { clearAttempts, MAX_TRANSACTION_ATTEMPTS, reserveAttempt, reserveTransactionAttempt, usernameKey } from "./throttle.js";
import { loginTargets, postedTransaction, signedIn, signInOver, view } from "./authorize.js";
import type { AuthUser, UserAuthenticator } from "./users.js";

/**
 * POST /authorize/login. Refused with 429 when the transaction or the username has no attempt left. A name that
 * does not exist is counted and checked (localUsers checks it against a dummy hash) like one that does, so
 * neither the answer nor its timing tells them apart.
 */
export async function login(ctx: ServerContext, request: Request): Promise<Response> {
  const t = await postedTransaction(ctx, request);
  if (t instanceof Response) return t;
  const { form, id, txn, client } = t;
  const users = ctx.options.users;
  if (!users) return html(400, errorPage("No passwords here", "this server signs people in through their identity provider"));
  const username = (form.username ?? "").trim().slice(0, 256);
  const password = form.password ?? "";
  // Only a name that could be a username is put back into the form: anything else may be a password typed into
  // the wrong field.
  const plausible = /^[A-Za-z0-9._@+-]{1,128}$/.test(username);
  const again = async (error: string, status = 401) =>
    html(
      status,
      loginPage({
        client: await view(ctx, client, txn.redirectUri),
        txn: id,
        csrf: txn.csrf,
        ...loginTargets(ctx),
        error,
        username: plausible ? username : "",
      }),
    );
  // The audit log names the account only when it exists: what was typed into the username box may be a password.
  const failed = async (outcome: string) =>
    ctx.audit({ type: "login_failed", subject: (await knownUser(users, username))?.id, clientId: client.clientId, outcome });
  if (!username || !password) {
    await failed("bad_credentials");
    return again("The username or password is wrong.");
  }
  const reserved = await reserveTransactionAttempt(ctx.store, `txn ${id}`);
  if (reserved.outcome === "gone")
    return html(400, errorPage("Sign-in expired", "this sign-in has expired or was already used; start again from the application"));
  if (reserved.outcome === "spent") {
    await failed("transaction_spent");
    return signInOver(429);
  }
  // Counted in the store, so that every node behind one balancer sees the same attempts; per account when the
  // authenticator says which account the name is (aliases), else per normalized name.
  const key = await usernameKey(ctx.store, username, await users.canonical?.(username));
  if (!(await reserveAttempt(ctx.store, key))) {
    await failed("locked");
    return again("Too many failed attempts for this account; wait a few minutes.", 429);
  }
  const user = await users.verifyPassword(username, password);
  if (!user) {
    await failed("bad_credentials");
    return reserved.attempt >= MAX_TRANSACTION_ATTEMPTS ? signInOver(401) : again("The username or password is wrong.");
  }
  await clearAttempts(ctx.store, key);
  return signedIn(ctx, client, id, txn, user);
}

/** knownUser: the account `username` names, when the authenticator can tell (`lookup`, which localUsers has). */
async function knownUser(users: UserAuthenticator, username: string): Promise<AuthUser | undefined> {
  try {
    return username && users.lookup ? await users.lookup(username) : undefined;
  } catch {
    return undefined;
  }
}

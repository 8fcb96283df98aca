/**
 * The authorization endpoint and the pages behind it (RFC 6749 section 4.1 with OAuth 2.1's rules): the request
 * is checked — client, exact redirect URI, PKCE S256, resource — before anything is shown; until the redirect
 * URI is known to be the client's, errors are shown on a page and never redirected (no open redirect). Then the
 * user signs in, sees what is asked for (only what their roles allow), and approves; the code goes back with
 * `state` and `iss` (RFC 9207). Each step's form carries the transaction's CSRF token, and the transaction is
 * bound to the browser that started it by a cookie. The password form is login.ts.
 */
import { AUTHORIZATION_CODE_TTL_MS, type CodeRecord } from "./code.js";
import type { ServerContext } from "./context.js";
import { cookie, html, params, randomToken, readForm, redirect, sameSecret, setCookie, sha256 } from "./http.js";
import { consentPage, errorPage, loginPage, type ClientView } from "./pages.js";
import { allowedScopes, grantScopes, splitScope } from "./roles.js";
import { redirectAllowed, type ClientRecord } from "./clients.js";
import type { AuthUser } from "./users.js";
import { MAX_TRANSACTION_ATTEMPTS, spent } from "./throttle.js";

const TXN_TTL_MS = 10 * 60_000;
export const BROWSER_COOKIE = "trellis_as_browser";
export const SESSION_COOKIE = "trellis_as_session";
/**
 * The cookies go to /authorize only. Cookies are scoped by host, not port: with a loopback issuer, a cookie for
 * "/" would also be sent to a native client's loopback redirect listener on the same host.
 */
const COOKIE_PATH = "/authorize";
/** The most of `state` and `scope` a request may carry (they are stored with the pending request). */
const MAX_STATE = 1024;
const MAX_SCOPE = 2048;

/** A pending authorization request, between the first GET and the code. */
export interface Transaction {
  clientId: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  state?: string;
  challenge: string;
  resource: string;
  requested?: string[];
  dpopJkt?: string;
  browser: string;
  csrf: string;
  user?: AuthUser;
  authTime?: number;
  /** Password checks reserved on this transaction (throttle.ts). */
  attempts?: number;
}

/** A signed-in browser. */
export interface BrowserSession {
  user: AuthUser;
  authTime: number;
  browser: string;
  csrf: string;
}

/** Where the sign-in page's forms go: the password form (with local users) and one button per upstream IdP. */
export function loginTargets(ctx: ServerContext) {
  return {
    action: ctx.options.users ? ctx.url("/authorize/login") : undefined,
    federated: ctx.url("/authorize/federated"),
    idps: (ctx.options.federation ?? []).map((f) => ({ name: f.name, label: f.label })),
  };
}

/** view: the client as the pages show it (its name checked again, Clients.shown) and where the answer goes. */
export async function view(ctx: ServerContext, client: ClientRecord, redirectUri: string): Promise<ClientView> {
  return { ...(await ctx.clients.shown(client.clientId, client.clientName)), redirectUri };
}

/** errorRedirect sends an error back to a redirect URI already known to be the client's. */
function errorRedirect(ctx: ServerContext, redirectUri: string, error: string, description: string, state?: string): Response {
  const u = new URL(redirectUri);
  u.searchParams.set("error", error);
  u.searchParams.set("error_description", description);
  if (state !== undefined) u.searchParams.set("state", state);
  u.searchParams.set("iss", ctx.issuer());
  return redirect(u.href);
}

/** browserId reads the browser cookie, or makes one (returned so the answer can set it). */
function browserId(ctx: ServerContext, request: Request): { id: string; set?: string } {
  const have = cookie(request, BROWSER_COOKIE);
  if (have && /^[A-Za-z0-9_-]{20,64}$/.test(have)) return { id: have };
  const id = randomToken(24);
  return { id, set: setCookie(BROWSER_COOKIE, id, { path: COOKIE_PATH, maxAgeSec: 86_400 * 30, secure: ctx.secureCookies() }) };
}

export async function signedInUser(ctx: ServerContext, request: Request): Promise<{ id: string; session: BrowserSession } | undefined> {
  const sid = cookie(request, SESSION_COOKIE);
  if (!sid || !/^[A-Za-z0-9_-]{20,64}$/.test(sid)) return undefined;
  const session = await ctx.store.get<BrowserSession>("session", `user ${await sha256(sid)}`);
  const browser = cookie(request, BROWSER_COOKIE);
  if (!session || browser !== session.browser) return undefined;
  // A local user is looked up again: a removed user is signed out, a demoted one consents with today's roles.
  const lookup = ctx.options.users?.lookup;
  if (lookup && !session.user.idp) {
    const now = await lookup.call(ctx.options.users, session.user.id);
    if (!now) return undefined;
    session.user = now;
  }
  return { id: sid, session };
}

/** GET /authorize */
export async function authorize(ctx: ServerContext, request: Request): Promise<Response> {
  let q: Record<string, string>;
  try {
    q = params(new URL(request.url).searchParams);
  } catch (err) {
    return html(400, errorPage("Invalid request", (err as Error).message));
  }
  const client = await ctx.clients.find(q.client_id ?? "").catch((err: Error) => err);
  if (client instanceof Error) return html(400, errorPage("Unknown application", client.message));
  if (!client) return html(400, errorPage("Unknown application", `no client ${JSON.stringify(q.client_id ?? "")} is known to this server`));
  let redirectUri = q.redirect_uri;
  if (redirectUri === undefined && client.redirectUris.length === 1 && !client.redirectUris[0]!.startsWith("http://"))
    redirectUri = client.redirectUris[0];
  if (!redirectUri || !redirectAllowedFor(client, redirectUri))
    return html(
      400,
      errorPage(
        "Invalid redirect",
        `${redirectUri ?? "(none given)"} is not a redirect URI registered for ${(await ctx.clients.shown(client.clientId, client.clientName)).name ?? client.clientId}`,
      ),
    );
  const fail = (error: string, description: string) => {
    void ctx.audit({ type: "authorization_refused", clientId: client.clientId, outcome: error, detail: { reason: description } });
    // A client anyone can create (a metadata document, a registration) would make an automatic error redirect an
    // open redirector on this origin (RFC 9700 section 4.11.2): its errors are shown here instead.
    if (client.kind !== "configured") return html(400, errorPage("Invalid request", `${error}: ${description}`));
    return errorRedirect(ctx, redirectUri!, error, description, q.state);
  };
  if ((q.state?.length ?? 0) > MAX_STATE || (q.scope?.length ?? 0) > MAX_SCOPE)
    return fail("invalid_request", `state may hold at most ${MAX_STATE} characters and scope ${MAX_SCOPE}`);
  if (q.response_type !== "code") return fail("unsupported_response_type", "response_type must be code");
  if (!client.grantTypes.includes("authorization_code"))
    return fail("unauthorized_client", "this client may not use the authorization code grant");
  if (!q.code_challenge) return fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256");
  if (q.code_challenge_method !== "S256") return fail("invalid_request", "code_challenge_method must be S256 (plain is not accepted)");
  if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge))
    return fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)");
  const resource = ctx.resource(q.resource);
  if (!q.resource) return fail("invalid_target", "resource is required (RFC 8707): the MCP server's URL");
  if (!resource) return fail("invalid_target", `${q.resource} is not a resource this server issues tokens for`);
  if (q.dpop_jkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(q.dpop_jkt))
    return fail("invalid_request", "dpop_jkt must be a JWK SHA-256 thumbprint");
  if (!ctx.options.users && !ctx.options.federation?.length) return fail("access_denied", "this server has no way for people to sign in");
  const browser = browserId(ctx, request);
  const txnId = randomToken(24);
  const txn: Transaction = {
    clientId: client.clientId,
    redirectUri,
    redirectUriGiven: q.redirect_uri !== undefined,
    state: q.state,
    challenge: q.code_challenge,
    resource: resource.uri,
    requested: splitScope(q.scope),
    dpopJkt: q.dpop_jkt,
    browser: browser.id,
    csrf: randomToken(24),
  };
  const signedIn = await signedInUser(ctx, request);
  if (signedIn) {
    txn.user = signedIn.session.user;
    txn.authTime = signedIn.session.authTime;
  }
  await ctx.store.put("session", `txn ${txnId}`, txn, Date.now() + TXN_TTL_MS);
  const headers: Record<string, string> = browser.set ? { "set-cookie": browser.set } : {};
  if (txn.user) return consentStep(ctx, client, txnId, txn, headers);
  return html(200, loginPage({ client: await view(ctx, client, redirectUri), txn: txnId, csrf: txn.csrf, ...loginTargets(ctx) }), headers);
}

function redirectAllowedFor(client: ClientRecord, uri: string): boolean {
  return redirectAllowed(client.redirectUris, uri);
}

/** Loads the transaction a form names and checks the browser and the CSRF token. */
async function transactionOf(
  ctx: ServerContext,
  request: Request,
  form: Record<string, string>,
): Promise<{ id: string; txn: Transaction; client: ClientRecord } | Response> {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== new URL(ctx.issuer()).origin)
    return html(403, errorPage("Refused", "this form was posted from another site"));
  const id = form.txn ?? "";
  const txn = /^[A-Za-z0-9_-]{20,64}$/.test(id) ? await ctx.store.get<Transaction>("session", `txn ${id}`) : undefined;
  if (!txn)
    return html(400, errorPage("Sign-in expired", "this sign-in has expired or was already used; start again from the application"));
  if (cookie(request, BROWSER_COOKIE) !== txn.browser || !sameSecret(form.csrf ?? "", txn.csrf))
    return html(403, errorPage("Refused", "this form does not belong to this browser's sign-in (CSRF check failed)"));
  if (spent(txn)) return signInOver(429);
  const client = await ctx.clients.find(txn.clientId).catch(() => undefined);
  if (!client) return html(400, errorPage("Unknown application", "the application is no longer known"));
  return { id, txn, client };
}

/** The answer once a transaction has had its password attempts (throttle.ts): it cannot go on. */
export function signInOver(status: number): Response {
  return html(
    status,
    errorPage(
      "Too many attempts",
      `this sign-in had ${MAX_TRANSACTION_ATTEMPTS} failed password attempts and is over; start again from the application`,
    ),
  );
}

/** Reads a posted sign-in form and the transaction it names (checked as transactionOf does). */
export async function postedTransaction(
  ctx: ServerContext,
  request: Request,
): Promise<{ form: Record<string, string>; id: string; txn: Transaction; client: ClientRecord } | Response> {
  let form: Record<string, string>;
  try {
    form = await readForm(request);
  } catch (err) {
    return html(400, errorPage("Invalid request", (err as Error).message));
  }
  const t = await transactionOf(ctx, request, form);
  return t instanceof Response ? t : { form, ...t };
}

/** signedIn starts the browser's session for `user` and moves the transaction on to consent. */
export async function signedIn(ctx: ServerContext, client: ClientRecord, id: string, txn: Transaction, user: AuthUser): Promise<Response> {
  const now = Date.now();
  const sid = randomToken(24);
  const ttl = ctx.options.sessionTtlSec ?? 8 * 3600;
  const session: BrowserSession = { user, authTime: Math.floor(now / 1000), browser: txn.browser, csrf: randomToken(24) };
  await ctx.store.put("session", `user ${await sha256(sid)}`, session, now + ttl * 1000);
  txn.user = user;
  txn.authTime = session.authTime;
  // Merged into the stored transaction: the attempts reserved meanwhile stay counted.
  await ctx.store.update<Transaction>("session", `txn ${id}`, (t) => ({ ...(t ?? txn), user, authTime: txn.authTime }), now + TXN_TTL_MS);
  await ctx.audit({ type: "login", subject: user.id, clientId: client.clientId, idp: user.idp, outcome: "ok" });
  return consentStep(ctx, client, id, txn, {
    "set-cookie": setCookie(SESSION_COOKIE, sid, { path: COOKIE_PATH, maxAgeSec: ttl, secure: ctx.secureCookies() }),
  });
}

interface FederatedSignIn {
  txn: string;
  idp: string;
  state: string;
  verifier: string;
  nonce: string;
  browser: string;
}

/** POST /authorize/federated: off to the upstream IdP the user picked. */
export async function federated(ctx: ServerContext, request: Request): Promise<Response> {
  const t = await postedTransaction(ctx, request);
  if (t instanceof Response) return t;
  const form = t.form;
  const idp = ctx.options.federation?.find((f) => f.name === form.idp);
  if (!idp)
    return html(400, errorPage("Unknown identity provider", `no identity provider ${JSON.stringify(form.idp ?? "")} is configured`));
  let start: Awaited<ReturnType<typeof idp.start>>;
  try {
    start = await idp.start(ctx.url("/authorize/callback"));
  } catch (err) {
    return html(502, errorPage("Identity provider unavailable", `${idp.name}: ${(err as Error).message}`));
  }
  const record: FederatedSignIn = { txn: t.id, idp: idp.name, ...start, browser: t.txn.browser };
  await ctx.store.put("session", `fed ${start.state}`, record, Date.now() + TXN_TTL_MS);
  return redirect(start.url);
}

/** GET /authorize/callback: back from the upstream IdP. */
export async function callback(ctx: ServerContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const state = url.searchParams.get("state") ?? "";
  const fed = state ? await ctx.store.get<FederatedSignIn>("session", `fed ${state}`) : undefined;
  if (!fed)
    return html(400, errorPage("Sign-in expired", "this sign-in has expired or was already used; start again from the application"));
  await ctx.store.delete("session", `fed ${state}`);
  if (cookie(request, BROWSER_COOKIE) !== fed.browser)
    return html(403, errorPage("Refused", "this sign-in was started in another browser"));
  const txn = await ctx.store.get<Transaction>("session", `txn ${fed.txn}`);
  const client = txn && (await ctx.clients.find(txn.clientId).catch(() => undefined));
  const idp = ctx.options.federation?.find((f) => f.name === fed.idp);
  if (!txn || !client || !idp) return html(400, errorPage("Sign-in expired", "start again from the application"));
  let user: AuthUser;
  try {
    user = await idp.finish(url, ctx.url("/authorize/callback"), fed);
  } catch (err) {
    const e = err as Error & { error?: unknown; error_description?: unknown };
    const reason = e.error
      ? `${e.message} (${String(e.error)}${e.error_description ? `: ${String(e.error_description)}` : ""})`
      : e.message;
    await ctx.audit({ type: "login_failed", clientId: client.clientId, idp: idp.name, outcome: "upstream_refused", detail: { reason } });
    return html(401, errorPage("Sign-in failed", `${idp.name} did not sign you in: ${reason}`));
  }
  return signedIn(ctx, client, fed.txn, txn, user);
}

interface Consent {
  scopes: string[];
  clientId: string;
  clientName?: string;
  resource: string;
  grantedAt: string;
}

export function consentId(userId: string, clientId: string, resource: string): string {
  return `${encodeURIComponent(userId)} ${encodeURIComponent(clientId)} ${encodeURIComponent(resource)}`;
}

/** Shows the consent page, or skips it when the user already approved this client for at least these scopes. */
async function consentStep(
  ctx: ServerContext,
  client: ClientRecord,
  id: string,
  txn: Transaction,
  headers: Record<string, string>,
): Promise<Response> {
  const user = txn.user!;
  const { granted, refused } = grantScopes(txn.requested, ctx.resource(txn.resource)!, allowedScopes(ctx.options, user));
  const remembered = await ctx.store.get<Consent>("consent", consentId(user.id, client.clientId, txn.resource));
  // RFC 8252 section 8.6: a public client on a loopback redirect cannot prove who it is (any local process can
  // listen on a port), so its requests are never approved without the user, even when consent is remembered.
  const anyoneCouldAsk = client.authMethod === "none" && isLoopbackRedirect(txn.redirectUri);
  if (remembered && !anyoneCouldAsk && granted.every((s) => remembered.scopes.includes(s)) && refused.length === 0) {
    await ctx.store.delete("session", `txn ${id}`);
    return issueCode(ctx, client, txn, granted, headers);
  }
  return html(
    200,
    consentPage({
      client: await view(ctx, client, txn.redirectUri),
      user: user.name ?? user.id,
      resource: txn.resource,
      scopes: granted,
      refused,
      txn: id,
      csrf: txn.csrf,
      action: ctx.url("/authorize/consent"),
    }),
    headers,
  );
}

/** POST /authorize/consent */
export async function consent(ctx: ServerContext, request: Request): Promise<Response> {
  const t = await postedTransaction(ctx, request);
  if (t instanceof Response) return t;
  const form = t.form;
  const { id, txn, client } = t;
  if (!txn.user) return html(400, errorPage("Not signed in", "sign in first"));
  const signedIn = await signedInUser(ctx, request);
  if (!signedIn || signedIn.session.user.id !== txn.user.id)
    return html(403, errorPage("Refused", "the signed-in user changed; start again"));
  txn.user = signedIn.session.user; // today's roles decide what is granted
  await ctx.store.delete("session", `txn ${id}`);
  const { granted } = grantScopes(txn.requested, ctx.resource(txn.resource)!, allowedScopes(ctx.options, txn.user));
  if (form.decision !== "approve") {
    await ctx.audit({ type: "consent_denied", subject: txn.user.id, clientId: client.clientId, resource: txn.resource, scopes: granted });
    return errorRedirect(ctx, txn.redirectUri, "access_denied", "the user denied the request", txn.state);
  }
  const record: Consent = {
    scopes: granted,
    clientId: client.clientId,
    clientName: client.clientName,
    resource: txn.resource,
    grantedAt: new Date().toISOString(),
  };
  await ctx.store.put("consent", consentId(txn.user.id, client.clientId, txn.resource), record);
  await ctx.audit({
    type: "consent",
    subject: txn.user.id,
    clientId: client.clientId,
    resource: txn.resource,
    scopes: granted,
    outcome: "ok",
  });
  return issueCode(ctx, client, txn, granted, {});
}

async function issueCode(
  ctx: ServerContext,
  client: ClientRecord,
  txn: Transaction,
  scopes: string[],
  headers: Record<string, string>,
): Promise<Response> {
  const code = randomToken(32);
  const record: CodeRecord = {
    clientId: client.clientId,
    redirectUri: txn.redirectUri,
    redirectUriGiven: txn.redirectUriGiven,
    challenge: txn.challenge,
    resource: txn.resource,
    scopes,
    user: txn.user!,
    authTime: txn.authTime,
    dpopJkt: txn.dpopJkt,
  };
  await ctx.store.put("code", await sha256(code), record, Date.now() + AUTHORIZATION_CODE_TTL_MS);
  const u = new URL(txn.redirectUri);
  u.searchParams.set("code", code);
  if (txn.state !== undefined) u.searchParams.set("state", txn.state);
  u.searchParams.set("iss", ctx.issuer());
  return redirect(u.href, headers);
}

function isLoopbackRedirect(uri: string): boolean {
  const u = new URL(uri);
  return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
}

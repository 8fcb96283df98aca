/**
 * Signing in from the command line: `trellis auth login` and the step-up a command offers when a server asks for
 * scopes the kept sign-in lacks. A sign-in goes through the person's browser and a loopback redirect; the tokens are
 * kept (credentials.json, mode 0600) for every later command. A login always runs a new sign-in, even while signed
 * in: it is how a person asks for other scopes, and answering with the old tokens would silently ignore `--scope`.
 */
import { createInterface } from "node:readline/promises";
import { authorizationCodeFlow, OAuthClient, type StoredTokens } from "../auth/index.js";
import { FileCredentialStore, loopbackRedirect } from "../auth/node.js";
import { McpClient } from "../client/client.js";
import { visible } from "../internal/terminal.js";
import { StreamableHttpClientTransport } from "../transports/http-client/transport.js";
import { CliError, credentialsFile, EXIT } from "./config.js";

export interface SignInOptions {
  /** A client pre-registered with the authorization server (default: CIMD or DCR, as it offers). */
  clientId?: string;
  clientSecret?: string;
  /** Ask for exactly these scopes (space-separated). */
  scope?: string;
  /** The loopback port for the redirect. Default: any free one. */
  port?: number;
}

/**
 * signIn runs a new sign-in to `url` through the browser (`note` tells the person which address to open) and keeps
 * the tokens. The tokens held before are set aside for it and put back if it fails, so a failed attempt loses
 * nothing. Resolves with the tokens now kept.
 */
export async function signIn(url: URL, o: SignInOptions, note: (text: string) => void): Promise<StoredTokens | undefined> {
  const store = new FileCredentialStore(credentialsFile());
  const key = `tokens ${url.href}`;
  const before = store.load(key);
  const loopback = await loopbackRedirect({
    port: o.port ?? 0,
    open: (u) => note(`Open this address in your browser to sign in:\n\n  ${u.href}\n\nWaiting for the browser...\n`),
  });
  const oauth = new OAuthClient({
    store,
    scope: o.scope,
    flow: authorizationCodeFlow({
      redirectUri: loopback.redirectUri,
      authorize: (u) => loopback.authorize(u),
      client: o.clientId ? { clientId: o.clientId, clientSecret: o.clientSecret } : undefined,
      clientMetadata: { client_name: "Trellis command line" },
    }),
  });
  await oauth.forget(url);
  const client = new McpClient({ name: "trellis-cli", version: "0.1.0" });
  try {
    await client.connect(new StreamableHttpClientTransport(url, { auth: oauth, openGetStream: false }));
  } catch (err) {
    if (before !== undefined && store.load(key) === undefined) store.save(key, before);
    throw new CliError(`sign-in to ${url.href} failed: ${(err as Error).message}`, EXIT.auth);
  } finally {
    await client.close().catch(() => {});
    await loopback.close();
  }
  return oauth.tokens(url);
}

/** What a server asked for that the kept sign-in could not give, seen while a command ran (see savedAuth). */
export interface SignInNeed {
  /** The scopes the client would have asked for (what it holds plus what the server's challenge names). */
  scope?: string;
  /** The scopes of the kept sign-in, when there is one. */
  held?: string;
}

/** A scope token a command line may carry as it is: what scopes in the wild are made of, and nothing a shell reads. */
const PLAIN_SCOPE = /^[A-Za-z0-9._:/@+-]+$/;

/** shellWord quotes one word for a POSIX shell (single quotes, which expand nothing), unless it needs none. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._~:/@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The message for a command that needs a (new) sign-in: what the server asked for, and the command that gets it. The
 * scopes come from the server (its challenge, its metadata): the command line to paste is offered only when every
 * one is a plain token, single-quoted, so a hostile server cannot put `$(...)` into what a person runs.
 */
export function signInMessage(url: URL, need: SignInNeed): string {
  const login = `trellis auth login ${shellWord(url.href)}`;
  const tokens = (need.scope ?? "").split(" ").filter(Boolean);
  const plain = tokens.every((t) => PLAIN_SCOPE.test(t));
  const run = !tokens.length
    ? `run  ${login}`
    : plain
      ? `run  ${login} --scope ${shellWord(tokens.join(" "))}`
      : `its scopes are not plain tokens, so no command is offered: check them, then run  ${login} --scope naming the ones you agree to`;
  const asked = visible(need.scope ?? "");
  if (need.held === undefined)
    return `${url.href} needs a sign-in${tokens.length && !plain ? ` (it asks for the scopes ${JSON.stringify(asked)})` : ""}: ${run}`;
  return `${url.href} asks for the scopes ${JSON.stringify(asked)}, more than your sign-in holds (${JSON.stringify(visible(need.held))}): ${run}`;
}

/**
 * offerSignIn asks a person at a terminal whether to sign in again now, with the scopes the server asked for. Only
 * when both stdin and stderr are terminals: a script gets the message and exit code 5 instead.
 */
export async function offerSignIn(url: URL, need: SignInNeed, err: (s: string) => void): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const what = need.scope ? `the scopes ${JSON.stringify(visible(need.scope))}` : "a sign-in";
    const held = need.held === undefined ? "" : `, more than your sign-in holds (${JSON.stringify(visible(need.held))})`;
    const answer = await rl.question(`${visible(url.href)} asks for ${what}${held}.\nSign in again now? [Y/n] `);
    if (/^n/i.test(answer.trim())) return false;
  } finally {
    rl.close();
  }
  await signIn(url, { scope: need.scope }, err);
  return true;
}

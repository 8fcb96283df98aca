/**
 * A command's target: an MCP server named by an http(s) URL, or started from `-- command args` over stdio. This
 * file connects a Trellis client to it (with the tokens `trellis auth login` saved for that server, if any), and
 * taps the transport so that a command can see every message (progress of a task, the protocol view).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { authorizationCodeFlow, OAuthClient } from "../auth/index.js";
import { FileCredentialStore } from "../auth/node.js";
import { McpClient } from "../client/client.js";
import type { Transport } from "../jsonrpc/transport.js";
import { tapTransport } from "../transports/tap.js";
import type { InitializeResult } from "../protocol/generated/schema-types.js";
import { TrellisError } from "../protocol/errors.js";
export { tapTransport };
export { CliError, configDir, credentialsFile, EXIT, writePrivate } from "./config.js";
import { CliError, configDir, credentialsFile, EXIT, writePrivate } from "./config.js";
import { visible } from "../internal/terminal.js";
import { StdioClientTransport } from "../transports/stdio-client.js";
import { likelyUrl, listeningPorts, type ListeningPort } from "./listening.js";
import { type SignInNeed, signInMessage } from "./sign-in.js";
import { type InstalledServer, installedServers } from "./installed.js";
import { StreamableHttpClientTransport } from "../transports/http-client/transport.js";

export type Target = { url: URL } | { command: string[]; env?: Record<string, string> };

/**
 * takeTarget finds the target among a command's arguments: the first http(s) URL, else the command given after
 * `--`, else a first argument that names a server installed with `--client trellis`. The other arguments are
 * returned in order.
 */
export function takeTarget(
  args: string[],
  stdio: string[] | undefined,
  installed: () => Map<string, InstalledServer> = installedServers,
): { target: Target; rest: string[] } {
  const i = args.findIndex((a) => /^https?:\/\//i.test(a));
  if (i !== -1) {
    let url: URL;
    try {
      url = new URL(args[i]!);
    } catch {
      throw new CliError(`not a URL: ${args[i]}`);
    }
    return { target: { url }, rest: [...args.slice(0, i), ...args.slice(i + 1)] };
  }
  if (stdio?.length) return { target: { command: stdio }, rest: args };
  const servers = installed();
  const named = args[0] === undefined ? undefined : servers.get(args[0]);
  if (named) return { target: named, rest: args.slice(1) };
  const names = [...servers.keys()];
  throw new CliError(
    `name a server: an http(s) URL (http://127.0.0.1:3000/mcp), -- and the command that starts it over stdio, or the name of one installed with --client trellis${names.length ? ` (${names.join(", ")})` : ""}`,
  );
}

/**
 * The HTTP sessions earlier runs left open, by server URL (mode 0600: a session id is as good as the session to
 * whoever also holds its credentials). Commands rejoin them, so that `trellis tasks list` sees the tasks an earlier
 * `trellis call --task` started: tasks belong to the session (or the signed-in principal) that created them.
 */
const sessionsFile = () => join(configDir(), "sessions.json");
type SavedSession = { sessionId: string; init: InitializeResult };

function readSessions(): Record<string, SavedSession> {
  try {
    const v = JSON.parse(readFileSync(sessionsFile(), "utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, SavedSession>) : {};
  } catch {
    return {};
  }
}

function saveSession(url: string, saved: SavedSession | undefined): void {
  const all = readSessions();
  if (saved) all[url] = saved;
  else delete all[url];
  writePrivate(sessionsFile(), `${JSON.stringify(all, null, 2)}\n`);
}

export interface Connected {
  client: McpClient;
  /** Where the server is, for messages. */
  label: string;
  close(): Promise<void>;
  /** HTTP: set when the server asked for a sign-in (or more scopes) the kept tokens could not give. */
  signInNeed?: () => SignInNeed | undefined;
  url?: URL;
}

export interface ConnectOptions {
  /** Called with every message either way (direction "in" from the server, "out" to it). */
  tap?: (direction: "in" | "out", message: unknown) => void;
  /** Open the session's GET stream, for what the server sends outside a request (a task's progress). Default false. */
  stream?: boolean;
  /** The server's stderr lines (stdio). Default: dropped unless TRELLIS_DEBUG is set. */
  onstderr?: (line: string) => void;
  /**
   * The revision to speak (McpClient's protocolVersion). Default "auto". Commands that need 2025-11-25's sessions
   * (listing tasks, a task's progress on the session's stream) ask for it.
   */
  protocol?: string;
  /** Where a note on a slow stdio start goes (what the command waits for). Default: stderr. */
  onnote?: (text: string) => void;
}

/** connectTarget starts a client on the target; failures to reach it are CliErrors with exit code 2 (5 for auth). */
export async function connectTarget(target: Target, options: ConnectOptions = {}): Promise<Connected> {
  if ("url" in target) return connectHttp(target.url, options);
  const [command, ...args] = target.command;
  const label = target.command.join(" ");
  const stdio = new StdioClientTransport({
    command: command!,
    args,
    env: { ...(process.env as Record<string, string>), ...target.env },
    onstderr: options.onstderr ?? (process.env.TRELLIS_DEBUG ? (l) => process.stderr.write(`[server] ${visible(l)}\n`) : undefined),
  });
  const transport: Transport = options.tap ? tapTransport(stdio, options.tap) : stdio;
  const client = new McpClient({ name: "trellis-cli", version: "0.1.0" }, { protocolVersion: options.protocol ?? "auto" });
  const connecting = client.connect(transport);
  try {
    const http = await Promise.race([connecting.then(() => undefined), watchStdioStart(stdio, connecting, label, options.onnote)]);
    if (http) {
      await client.close().catch(() => {});
      throw new CliError(
        `${label} does not answer on stdio: it listens on ${http.host}:${http.port}, so it looks like an HTTP server. Start it yourself and name its URL, as in  trellis list ${likelyUrl(http)}`,
        EXIT.connect,
      );
    }
  } catch (err) {
    await client.close().catch(() => {});
    if (err instanceof CliError) throw err;
    const silent = err instanceof TrellisError && err.code === "REQUEST_TIMEOUT";
    throw new CliError(
      `could not start or initialize ${label}: ${(err as Error).message}${silent ? " (it never answered on stdio: the command must start an MCP server that speaks stdio; for an HTTP server, name its URL)" : ""}`,
      EXIT.connect,
    );
  }
  return { client, label, close: () => client.close() };
}

/** How long a stdio server may stay silent before the command says what it is waiting for. */
const SILENT_NOTE_MS = 5000;
/** How long a server that listens on a port may stay silent on stdio before it is taken for an HTTP server. */
const HTTP_VERDICT_MS = 1500;

/**
 * watchStdioStart watches a stdio server while `connecting` runs: it resolves with the port of a server that listens
 * on TCP but has not answered on stdio for a moment (an HTTP server started as if it spoke stdio, which would
 * otherwise end in a timeout that does not say why), and says once, after a few seconds of silence, what it waits
 * for. It never resolves while the server answers, and stops when `connecting` settles.
 */
function watchStdioStart(
  stdio: StdioClientTransport,
  connecting: Promise<unknown>,
  label: string,
  note: (text: string) => void = (t) => void process.stderr.write(t),
): Promise<ListeningPort> {
  return new Promise((resolve) => {
    const started = Date.now();
    let seen: number | undefined;
    let noted = false;
    const timer = setInterval(() => {
      const ports = listeningPorts(stdio.pid);
      if (ports?.length) {
        seen ??= Date.now();
        if (Date.now() - seen >= HTTP_VERDICT_MS) {
          clearInterval(timer);
          resolve(ports[0]!);
        }
      } else if (!noted && Date.now() - started >= SILENT_NOTE_MS) {
        noted = true;
        note(
          `trellis: waiting for ${label} to answer on stdio (${Math.round(SILENT_NOTE_MS / 1000)} s so far). A stdio MCP server answers at once; if this one serves HTTP, start it yourself and name its URL instead.\n`,
        );
      }
    }, 250);
    timer.unref();
    void connecting.finally(() => clearInterval(timer)).catch(() => {});
  });
}

/** connectHttp rejoins the session an earlier run left with this server, or starts one; either way it is kept. */
async function connectHttp(url: URL, options: ConnectOptions): Promise<Connected> {
  // Sessions are kept for the commands that name their revision (the task commands speak 2025-11-25): a run that
  // lets the revision be negotiated ("auto") neither rejoins one — it would speak what an earlier run's --protocol
  // chose — nor leaves its own behind.
  const wanted = options.protocol ?? "auto";
  const keeps = wanted !== "auto";
  const kept = keeps ? readSessions()[url.href] : undefined;
  const saved = kept && kept.init.protocolVersion === wanted ? kept : undefined;
  const need: { value?: SignInNeed } = {};
  const attempt = async (resume: SavedSession | undefined) => {
    const http = new StreamableHttpClientTransport(url, {
      auth: savedAuth(url, need),
      sessionId: resume?.sessionId,
      protocolVersion: resume?.init.protocolVersion,
      endSessionOnClose: !keeps,
      openGetStream: options.stream === true,
    });
    const transport = options.tap ? tapTransport(http, options.tap) : http;
    const client = new McpClient({ name: "trellis-cli", version: "0.1.0" }, { protocolVersion: options.protocol ?? "auto" });
    const init = await client.connect(transport, resume ? { resume: resume.init } : {});
    // A session the server forgot answers 404: start a new one.
    if (resume)
      await client.ping().catch(async (err: Error) => {
        await client.close().catch(() => {});
        throw err;
      });
    return { client, http, init };
  };
  let c: Awaited<ReturnType<typeof attempt>>;
  try {
    c = await attempt(saved).catch((err) => {
      if (!saved) throw err;
      return attempt(undefined);
    });
  } catch (err) {
    const e = err as Error;
    if (need.value) throw new CliError(signInMessage(url, need.value), EXIT.auth);
    if (/authoriz|401|sign in/i.test(e.message))
      throw new CliError(`${url.href} needs a sign-in: run  trellis auth login ${url.href}  (${e.message})`, EXIT.auth);
    throw new CliError(`could not connect to ${url.href}: ${e.message}`, EXIT.connect);
  }
  return {
    client: c.client,
    label: url.href,
    url,
    signInNeed: () => need.value,
    close: async () => {
      const sessionId = c.http.sessionId;
      await c.client.close();
      if (keeps) saveSession(url.href, sessionId ? { sessionId, init: c.init } : undefined);
    },
  };
}

/**
 * savedAuth: an OAuthClient over the tokens `trellis auth login` saved. It refreshes them when it can, and never
 * opens a browser on its own: when no token will do (none kept, or the server asks for scopes the kept one lacks),
 * it records what the server asked for in `need`, and the command says which sign-in gets it (exit code 5) or
 * offers it at a terminal.
 */
function savedAuth(url: URL, need: { value?: SignInNeed }): OAuthClient {
  const store = new FileCredentialStore(credentialsFile());
  const oauth: OAuthClient = new OAuthClient({
    store,
    flow: authorizationCodeFlow({
      redirectUri: "http://127.0.0.1/callback",
      authorize: async (u) => {
        const held = await oauth.tokens(url).catch(() => undefined);
        need.value = { scope: u.searchParams.get("scope") ?? undefined, held: held ? (held.scope ?? "") : undefined };
        throw new TrellisError("REQUEST_FAILED", signInMessage(url, need.value));
      },
    }),
  });
  return oauth;
}

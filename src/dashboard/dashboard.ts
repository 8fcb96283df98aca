/**
 * Dashboard: a web page that drives MCP servers through Trellis's client — several at once, over HTTP or stdio —
 * and shows everything they do. The MCP connections live here, in Node; the page talks to this handler only: a
 * JSON API to connect and send requests, and one SSE stream of events (every JSON-RPC message both ways, and the
 * questions servers ask the person: elicitation and sampling). Web-standard `fetch(Request)`, so an application
 * can mount it in its own server (node.ts serves it on loopback for `trellis inspect`).
 *
 * Security: every request must carry the dashboard's random token (`?token=` or `x-dashboard-token`), so other
 * pages and local processes cannot drive it; Host must be a loopback name and a browser's Origin this page's own.
 * A stdio server is started only after the person saw the exact command (the page's consent step).
 */
import { readFile } from "node:fs/promises";
import { McpClient } from "../client/client.js";
import { AppHost, appsClient } from "../ext/apps/host.js";
import { AppRelay } from "../ext/apps/relay.js";
import type { Transport } from "../jsonrpc/transport.js";
import { ProtocolError } from "../protocol/errors.js";
import type { CreateMessageResult, ElicitResult } from "../protocol/generated/schema-types.js";
import { StreamableHttpClientTransport } from "../transports/http-client/transport.js";
import { StdioClientTransport } from "../transports/stdio-client.js";
import { tapTransport } from "../transports/tap.js";
import { auditEndpoint, readAuditLog } from "./audit.js";
import { OAuthGuide, type OAuthGuideOptions } from "./oauth-guide.js";
import { EventLog } from "./events.js";
import { html, json, problem, readJson, sameToken } from "./http.js";
import { PAGE } from "./page.js";
import { Questions, type QuestionType } from "./questions.js";

/** A server to drive: its Streamable HTTP URL, or the command that starts it over stdio (with variables added to this process's environment). */
export type DashboardTarget = { url: string } | { command: string[]; env?: Record<string, string> };

export interface DashboardOptions {
  /** The token every request must carry. Default: 128 random bits. */
  token?: string;
  /** Where the page's script is (the dashboard-app bundle). Default: beside this module's bundle. */
  appScript?: string | URL;
  /** Host names the dashboard answers to. Default: loopback names only. */
  allowedHosts?: string[];
  /**
   * MCP Apps: the dashboard's own origin and the sandbox proxy's URL (another origin), to render views. serveDashboard
   * sets both; without them, tools with views are called like any other.
   */
  apps?: { origin: string; sandboxUrl: string };
}

interface Connection {
  id: string;
  label: string;
  target: DashboardTarget;
  client: McpClient;
  /** The view host and its relay, when the server offers MCP Apps views. */
  relay?: AppRelay;
  /** The guided OAuth flow that signed this connection in (its later step-ups are recorded there too). */
  guide?: { id: string; guide: OAuthGuide };
}

/** Where the built Apps browser module (mountView) is: bundled beside this module, or from the compiled sources. */
const APPS_BROWSER = ["./apps-browser.js", "../../bundle/apps-browser.js"];
/** The most sign-ins (each with a loopback listener) open at once. */
const MAX_GUIDES = 10;

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

export class Dashboard {
  readonly token: string;
  readonly #options: DashboardOptions;
  readonly #connections = new Map<string, Connection>();
  /** What servers asked the person, waiting for the page's answers. */
  readonly #questions = new Questions((event) => this.#emit(event));
  /** Sign-ins under way or done, by flow id (a done one lives as long as its connection). */
  readonly #guides = new Map<string, OAuthGuide>();
  /** Every event, kept for pages that open later, and the pages' streams. */
  readonly #log = new EventLog();

  constructor(options: DashboardOptions = {}) {
    this.#options = options;
    this.token = options.token ?? Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
  }

  #emit(event: Record<string, unknown>): void {
    this.#log.emit(event);
  }

  /** The page's view of the connections. */
  connections(): Record<string, unknown>[] {
    return [...this.#connections.values()].map((c) => ({
      id: c.id,
      label: c.label,
      kind: "url" in c.target ? "http" : "stdio",
      serverInfo: c.client.serverInfo,
      capabilities: c.client.serverCapabilities,
      instructions: c.client.instructions,
      protocolVersion: c.client.protocolVersion,
      apps: c.relay ? { sandboxUrl: this.#options.apps!.sandboxUrl } : undefined,
      oauth: c.guide?.id,
      audit: auditEndpoint(c.guide?.guide.asMetadata) !== undefined,
    }));
  }

  /** connect starts a client on a server; the page hears of it as a `connections` event. */
  async connect(target: DashboardTarget, signIn?: { id: string; guide: OAuthGuide }): Promise<Record<string, unknown>> {
    const id = crypto.randomUUID().slice(0, 8);
    const label = "url" in target ? target.url : target.command.join(" ");
    let inner: Transport;
    if ("url" in target) {
      const url = new URL(target.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`not an http(s) URL: ${target.url}`);
      inner = new StreamableHttpClientTransport(url, signIn ? { auth: signIn.guide.oauth, fetch: signIn.guide.fetch } : {});
    } else {
      const [command, ...args] = target.command;
      if (!command) throw new Error("the stdio command is empty");
      inner = new StdioClientTransport({
        command,
        args,
        env: { ...(process.env as Record<string, string>), ...target.env },
        onstderr: (line) => this.#emit({ type: "stderr", conn: id, line }),
      });
    }
    const transport = tapTransport(inner, (dir, message) => this.#emit({ type: "message", conn: id, dir, message }));
    const ask = <T>(type: QuestionType, params: unknown, signal: AbortSignal) => this.#questions.ask<T>(id, type, params, signal);
    const client = new McpClient(
      { name: "trellis-dashboard", version: "0.1.0" },
      {
        elicitForm: (params, ctx) => ask<ElicitResult>("elicitation", params, ctx.signal),
        elicitUrl: (request, ctx) => ask<ElicitResult>("elicitation-url", request, ctx.signal),
        sampling: (params, ctx) => ask<CreateMessageResult>("sampling", params, ctx.signal),
        roots: [],
        // The page's views (tasks list, log level, subscriptions, the raw request box) speak 2025-11-25's methods.
        protocolVersion: "2025-11-25",
      },
    );
    const apps = this.#options.apps;
    if (apps) client.use(appsClient());
    await client.connect(transport);
    const conn: Connection = { id, label, target, client, guide: signIn };
    if (apps && client.extensions["io.modelcontextprotocol/ui"]) {
      // Views render in the page through the relay; what they ask of the host shows in the page's log.
      const host = new AppHost(client, {
        hostContext: { theme: "light", locale: "en", platform: "web" },
        onOpenLink: (url) => {
          this.#emit({ type: "view-link", conn: id, url });
          return false;
        },
        onMessage: (message) => this.#emit({ type: "view-message", conn: id, message }),
        onModelContext: (context) => this.#emit({ type: "view-context", conn: id, context }),
        onAudit: (record) => this.#emit({ type: "view-audit", conn: id, record }),
      });
      conn.relay = new AppRelay(host, { allowedOrigins: [apps.origin] });
    }
    this.#connections.set(id, conn);
    this.#emit({ type: "connections", list: this.connections() });
    return this.connections().find((c) => c.id === id)!;
  }

  async disconnect(id: string): Promise<void> {
    const c = this.#connections.get(id);
    if (!c) return;
    this.#connections.delete(id);
    this.#questions.drop(id, "the dashboard disconnected from this server");
    await c.client.close().catch(() => {});
    if (c.guide) {
      this.#guides.delete(c.guide.id);
      await c.guide.guide.close();
    }
    this.#emit({ type: "connections", list: this.connections() });
  }

  /**
   * signIn walks the OAuth flow against an HTTP server (see OAuthGuide): each step is an `oauth` event; when it
   * succeeds the server is connected like any other, with the tokens it got.
   */
  async signIn(url: string, options: OAuthGuideOptions = {}): Promise<{ flow: string }> {
    const endpoint = new URL(url);
    if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") throw new Error(`not an http(s) URL: ${url}`);
    if (this.#guides.size >= MAX_GUIDES) throw new Error(`${MAX_GUIDES} sign-ins are already open; disconnect one first`);
    const flow = crypto.randomUUID().slice(0, 8);
    const guide = await OAuthGuide.start(endpoint, options, (e) => this.#emit({ type: "oauth", flow, target: url, ...e }));
    this.#guides.set(flow, guide);
    this.#emit({ type: "oauth", flow, target: url, status: "running", stepThrough: options.stepThrough === true });
    this.connect({ url }, { id: flow, guide }).then(
      (c) => this.#emit({ type: "oauth", flow, target: url, status: "done", conn: c.id }),
      async (err: Error) => {
        this.#guides.delete(flow);
        await guide.close();
        this.#emit({ type: "oauth", flow, target: url, status: "failed", error: err.message });
      },
    );
    return { flow };
  }

  /** audit reads the audit log of the authorization server that signed a connection in. */
  async audit(connId: string, filter: Record<string, unknown>): Promise<unknown[]> {
    const c = this.#connections.get(connId);
    if (!c) throw new Error(`no connection ${JSON.stringify(connId)}`);
    const endpoint = auditEndpoint(c.guide?.guide.asMetadata);
    if (!c.guide || !endpoint) throw new Error("this server was not signed in to a Trellis authorization server that serves its audit log");
    const tokens = await c.guide.guide.oauth.tokens(c.target && "url" in c.target ? c.target.url : "");
    if (!tokens) throw new Error("this connection holds no token; sign in again");
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    return readAuditLog(endpoint, tokens.accessToken, {
      type: str(filter.type),
      subject: str(filter.subject),
      clientId: str(filter.clientId),
      since: str(filter.since),
      until: str(filter.until),
      limit: typeof filter.limit === "number" ? filter.limit : undefined,
    });
  }

  /**
   * answer settles a question a server asked (elicitation, sampling) with the person's answer: false if no such
   * question is waiting; a form answer that does not fit the requested schema throws, saying why.
   */
  answer(id: string, result: unknown): boolean {
    return this.#questions.answer(id, result);
  }

  async close(): Promise<void> {
    this.#questions.drop(undefined, "the dashboard closed");
    for (const g of this.#guides.values()) await g.close();
    this.#guides.clear();
    await Promise.all([...this.#connections.keys()].map((id) => this.disconnect(id)));
    this.#log.end();
  }

  /** fetch serves the page, its script, the API and the event stream. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "");
    if (!(this.#options.allowedHosts ?? LOOPBACK).includes(host)) return problem(403, `forbidden: Host ${host} is not served`);
    const origin = request.headers.get("origin");
    if (origin && origin !== (this.#options.apps?.origin ?? url.origin))
      return problem(403, "forbidden: requests from other pages are refused");
    // The Apps relay's requests (which cannot add headers to an EventSource) carry the token in their path.
    const relayed = /^\/apps\/([^/]+)\/([0-9a-f]{8})\//.exec(url.pathname);
    const token = relayed?.[1] ?? url.searchParams.get("token") ?? request.headers.get("x-dashboard-token");
    if (!token || !sameToken(token, this.token)) return problem(401, "this dashboard needs its token: open the address trellis printed");
    const path = url.pathname;
    try {
      if (request.method === "GET" && (path === "/" || path === "/index.html"))
        return html(PAGE(this.token), this.#options.apps ? new URL(this.#options.apps.sandboxUrl).origin : undefined);
      if (request.method === "GET" && path === "/app.js") return this.#script(["./dashboard-app.js", "../../bundle/dashboard-app.js"]);
      if (request.method === "GET" && path === "/apps/browser.js") return this.#script(APPS_BROWSER);
      if (relayed) {
        const relay = this.#connections.get(relayed[2]!)?.relay;
        return relay ? relay.fetch(request) : problem(404, "no connection with views here");
      }
      if (request.method === "GET" && path === "/api/events")
        return this.#log.stream([
          { type: "connections", list: this.connections() },
          { type: "questions", list: this.#questions.list() },
        ]);
      if (request.method === "GET" && path === "/api/connections") return json(this.connections());
      if (request.method !== "POST") return problem(404, `not found: ${request.method} ${path}`);
      const body = await readJson(request);
      if (path === "/api/connect") {
        const target = body.url
          ? { url: String(body.url) }
          : Array.isArray(body.command)
            ? { command: body.command.map(String) }
            : undefined;
        if (!target) return problem(400, 'send { "url": "http://…" } or { "command": ["program", "arg", …] }');
        return json(await this.connect(target));
      }
      if (path === "/api/oauth/start") {
        if (typeof body.url !== "string")
          return problem(400, 'send { "url": "http://…", "clientId"?, "clientSecret"?, "scope"?, "stepThrough"? }');
        const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
        return json(
          await this.signIn(body.url, {
            clientId: str(body.clientId),
            clientSecret: str(body.clientSecret),
            clientMetadataUrl: str(body.clientMetadataUrl),
            scope: str(body.scope),
            stepThrough: body.stepThrough === true,
          }),
        );
      }
      if (path === "/api/oauth/continue")
        return this.#guides.get(String(body.flow))?.continue() ? json({}) : problem(404, "no sign-in is waiting to continue");
      if (path === "/api/audit") return json({ events: await this.audit(String(body.conn), body) });
      if (path === "/api/disconnect") {
        await this.disconnect(String(body.conn));
        return json({});
      }
      if (path === "/api/answer")
        return this.answer(String(body.id), body.result)
          ? json({})
          : problem(404, "this question is no longer waiting: it was answered already, or its server withdrew it");
      if (path === "/api/request") {
        const c = this.#connections.get(String(body.conn));
        if (!c) return problem(404, `no connection ${JSON.stringify(body.conn)}`);
        if (typeof body.method !== "string") return problem(400, "method must be a string");
        try {
          return json({ result: await c.client.request(body.method, body.params as Record<string, unknown> | undefined) });
        } catch (err) {
          if (err instanceof ProtocolError) return json({ error: err.toJSON() });
          return json({ error: { code: -32603, message: (err as Error).message } });
        }
      }
      if (path === "/api/roots") {
        const c = this.#connections.get(String(body.conn));
        if (!c) return problem(404, `no connection ${JSON.stringify(body.conn)}`);
        c.client.setRoots((body.roots as { uri: string; name?: string }[]) ?? []);
        return json({});
      }
      return problem(404, `not found: ${path}`);
    } catch (err) {
      return problem(400, (err as Error).message);
    }
  };

  async #script(names: string[]): Promise<Response> {
    // Beside the bundled module (dist/bundle/), or from the compiled sources (dist/src/dashboard/) next to it.
    const places =
      this.#options.appScript && names[0] === "./dashboard-app.js"
        ? [this.#options.appScript]
        : names.map((n) => new URL(n, import.meta.url));
    for (const where of places) {
      try {
        const body = await readFile(where);
        return new Response(body, { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" } });
      } catch {
        // try the next place
      }
    }
    return problem(500, `the dashboard's script (${names[0]!.slice(2)}) is missing; build it: npm run build`);
  }
}

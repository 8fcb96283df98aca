/**
 * OAuthGuide: the dashboard's guided OAuth flow. Nothing is simulated: it runs Trellis's own OAuthClient against the
 * server and records each HTTP exchange the flow makes as a named step — the MCP endpoint's 401 challenge, the
 * protected resource metadata, the authorization server's metadata, the client's identity (pre-registered, CIMD or
 * DCR), the authorization in the browser, the token request, a 403 step-up — with its request and answer, secrets
 * shortened. With `stepThrough` it waits for the person before each request to the authorization side, so each
 * step can be read before the next one happens.
 */
import { authorizationCodeFlow, OAuthClient } from "../auth/index.js";
import { loopbackRedirect, type LoopbackRedirect } from "../auth/node.js";

export interface OAuthGuideOptions {
  /** A client registered with the authorization server beforehand (else CIMD when given and offered, else DCR). */
  clientId?: string;
  clientSecret?: string;
  /** A Client ID Metadata Document URL (https) the person hosts; used when the authorization server supports CIMD. */
  clientMetadataUrl?: string;
  /** Ask for exactly these scopes (space separated). Default: what the server's challenge and metadata say. */
  scope?: string;
  /** Wait for `continue()` before each request to the authorization side. */
  stepThrough?: boolean;
}

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface OAuthStep {
  n: number;
  /** challenge, resource-metadata, as-metadata, registration, identity, authorization, token, step-up, authorized, request */
  kind: string;
  title: string;
  note?: string;
  request?: Exchange;
  response?: { status: number; headers: Record<string, string>; body?: unknown };
  /** authorization: the address the person opens to sign in. */
  open?: string;
}

/** How much of a response body a step keeps. */
const MAX_BODY = 64 * 1024;
const SECRET_FIELDS = new Set([
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "code",
  "code_verifier",
  "assertion",
  "subject_token",
]);

export class OAuthGuide {
  readonly steps: OAuthStep[] = [];
  readonly oauth: OAuthClient;
  /** The authorization server's metadata, once read (the audit view needs its audit endpoint). */
  asMetadata?: Record<string, unknown>;
  readonly #endpoint: string;
  readonly #emit: (event: Record<string, unknown>) => void;
  readonly #options: OAuthGuideOptions;
  readonly #loopback: LoopbackRedirect;
  #gate?: () => void;
  #challenged = false;
  #registered = false;

  private constructor(endpoint: URL, loopback: LoopbackRedirect, options: OAuthGuideOptions, emit: (e: Record<string, unknown>) => void) {
    this.#endpoint = endpoint.href;
    this.#loopback = loopback;
    this.#options = options;
    this.#emit = emit;
    this.oauth = new OAuthClient({
      fetch: this.fetch,
      scope: options.scope || undefined,
      // The dashboard and the servers people try it on are usually on this machine.
      allowPrivateNetwork: endpoint.hostname === "127.0.0.1" || endpoint.hostname === "localhost" || endpoint.hostname === "[::1]",
      flow: authorizationCodeFlow({
        redirectUri: loopback.redirectUri,
        authorize: (url) => this.#authorize(url),
        client: options.clientId ? { clientId: options.clientId, clientSecret: options.clientSecret || undefined } : undefined,
        clientMetadataUrl: options.clientMetadataUrl || undefined,
        clientMetadata: { client_name: "Trellis dashboard" },
      }),
    });
  }

  /** start listens for the browser's redirect back on a loopback port and makes the guide. */
  static async start(endpoint: URL, options: OAuthGuideOptions, emit: (e: Record<string, unknown>) => void): Promise<OAuthGuide> {
    const loopback = await loopbackRedirect({ timeoutMs: 10 * 60_000, open: () => {} });
    return new OAuthGuide(endpoint, loopback, options, emit);
  }

  /** continue lets a step-through flow send its next request; false when it is not waiting. */
  continue(): boolean {
    const g = this.#gate;
    this.#gate = undefined;
    g?.();
    return g !== undefined;
  }

  close(): Promise<void> {
    this.continue();
    return this.#loopback.close();
  }

  #add(step: Omit<OAuthStep, "n">): OAuthStep {
    const s = { n: this.steps.length + 1, ...step };
    this.steps.push(s);
    this.#emit({ step: s });
    return s;
  }

  /** fetch is what the MCP transport and the OAuth client send through: each exchange becomes a step. */
  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const mcp = url.split("#")[0] === this.#endpoint;
    const request: Exchange = { method, url, headers: redactHeaders(headers), body: mcp ? undefined : readBody(init.body) };
    if (!mcp) {
      const kind = classify(method, url, request.body);
      if (this.#options.stepThrough) {
        this.#emit({ waiting: { kind: kind.kind, title: kind.title, request } });
        await new Promise<void>((resolve) => {
          this.#gate = resolve;
        });
        this.#emit({ waiting: null });
      }
      const res = await globalThis.fetch(input, init);
      const body = await peek(res);
      if (kind.kind === "as-metadata" && res.ok && body && typeof body === "object") this.asMetadata = body as Record<string, unknown>;
      if (kind.kind === "registration" && res.ok) this.#registered = true;
      this.#add({ ...kind, request, response: { status: res.status, headers: redactHeaders(res.headers), body: redact(body) } });
      return res;
    }
    const res = await globalThis.fetch(input, init);
    if (res.status === 401 || res.status === 403) {
      this.#challenged = true;
      const challenge = res.headers.get("www-authenticate") ?? "";
      this.#add({
        kind: res.status === 401 ? "challenge" : "step-up",
        title: res.status === 401 ? "401: the MCP server asks for a token" : "403: the token lacks a scope (step-up)",
        note: challenge
          ? `WWW-Authenticate: ${challenge}`
          : "no WWW-Authenticate header: the client falls back to the well-known locations",
        request,
        response: { status: res.status, headers: redactHeaders(res.headers), body: await peek(res) },
      });
    } else if (this.#challenged && res.status < 300) {
      this.#challenged = false;
      this.#add({
        kind: "authorized",
        title: `${res.status}: the request again, with the token`,
        request,
        response: { status: res.status, headers: redactHeaders(res.headers) },
      });
    }
    return res;
  };

  /** authorize is the redirect step: the person opens the authorization page; the loopback hears the answer. */
  async #authorize(url: URL): Promise<string> {
    const clientId = url.searchParams.get("client_id") ?? "";
    this.#add({
      kind: "identity",
      title: "Client identity",
      note: /^https:\/\//.test(clientId)
        ? `CIMD: the client ID ${clientId} is the URL of its metadata document, which the authorization server fetches`
        : this.#registered
          ? `DCR: registered just now at the authorization server's registration endpoint as ${clientId}`
          : this.#options.clientId
            ? `pre-registered: ${clientId}`
            : `registered earlier with this authorization server: ${clientId}`,
    });
    const params = Object.fromEntries(url.searchParams);
    const step = this.#add({
      kind: "authorization",
      title: "Authorization: sign in and approve in the browser",
      note: "Open the page; after you approve, the authorization server sends the browser back to the dashboard's loopback address with a code.",
      request: { method: "GET", url: `${url.origin}${url.pathname}`, headers: {}, body: params },
      open: url.href,
    });
    const back = await this.#loopback.authorize(url);
    const answer = Object.fromEntries(new URL(back).searchParams);
    this.#add({
      kind: "redirect",
      title: answer.error ? `The browser came back with an error: ${answer.error}` : "The browser came back with a code",
      note: `to ${this.#loopback.redirectUri} (step ${step.n}'s state ${answer.state === params.state ? "matches" : "does NOT match"})`,
      response: { status: 302, headers: {}, body: redact(answer) },
    });
    return back;
  }
}

/** classify names an exchange with the authorization side by what it asks for. */
function classify(method: string, url: string, body: unknown): { kind: string; title: string } {
  const path = new URL(url).pathname;
  if (path.startsWith("/.well-known/oauth-protected-resource"))
    return { kind: "resource-metadata", title: "Protected resource metadata (RFC 9728): which authorization server to use" };
  if (path.startsWith("/.well-known/oauth-authorization-server") || path.includes("/.well-known/openid-configuration"))
    return { kind: "as-metadata", title: "Authorization server metadata (RFC 8414): its endpoints and what it supports" };
  const form = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  if (method === "POST" && Array.isArray(form.redirect_uris))
    return { kind: "registration", title: "Dynamic client registration (RFC 7591)" };
  if (method === "POST" && typeof form.grant_type === "string") {
    const g = form.grant_type;
    if (g === "authorization_code") return { kind: "token", title: "Token request: the code and the PKCE verifier for tokens" };
    if (g === "refresh_token") return { kind: "token", title: "Token refresh" };
    return { kind: "token", title: `Token request (${g})` };
  }
  return { kind: "request", title: `${method} ${path}` };
}

/** readBody turns a request body into something to show: a form as an object, JSON parsed, else its size. */
function readBody(body: BodyInit | null | undefined): unknown {
  if (body === undefined || body === null) return undefined;
  let text: string | undefined;
  if (typeof body === "string") text = body;
  else if (body instanceof URLSearchParams) return redact(Object.fromEntries(body));
  if (text === undefined) return "[a body that is not text]";
  try {
    return redact(JSON.parse(text));
  } catch {
    return /^[\w.%+-]+=/.test(text) ? redact(Object.fromEntries(new URLSearchParams(text))) : text.slice(0, MAX_BODY);
  }
}

/** peek reads a copy of a response's body (at most 64 KiB), as JSON when it is. */
async function peek(res: Response): Promise<unknown> {
  if (!res.body || (res.headers.get("content-type") ?? "").includes("text/event-stream")) return undefined;
  try {
    const text = (await res.clone().text()).slice(0, MAX_BODY);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  } catch {
    return undefined;
  }
}

/** shorten keeps the start of a secret, enough to tell two apart, and its length. */
const shorten = (s: string) => (s.length <= 12 ? "•••" : `${s.slice(0, 8)}… (${s.length} characters)`);

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_FIELDS.has(k) && typeof v === "string" ? shorten(v) : redact(v),
    ]),
  );
}

function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (k === "authorization") out[k] = v.replace(/^(\w+) (.+)$/, (_, scheme: string, rest: string) => `${scheme} ${shorten(rest)}`);
    else if (k === "dpop") out[k] = `a DPoP proof (${v.length} characters)`;
    else if (k === "cookie" || k === "set-cookie") out[k] = "•••";
    else out[k] = v;
  });
  return out;
}

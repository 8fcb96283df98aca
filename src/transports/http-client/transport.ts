/**
 * StreamableHttpClientTransport: the client side of Streamable HTTP (transports.mdx). It POSTs each message,
 * reads JSON or SSE replies, resumes cut or server-closed streams with Last-Event-ID after the server's
 * `retry` (SEP-1699), keeps a GET stream for server-initiated messages, and ends the session with DELETE.
 * It uses only web-standard `fetch`, so it runs anywhere; pass `fetch` to use another implementation.
 */
import { pause } from "../../internal/pause.js";
import { claimsModern, encodeHeaderValue, META, requestName } from "../../protocol/modern.js";
import { ErrorCode, TrellisError } from "../../protocol/errors.js";
import type { JsonRpcMessage } from "../../protocol/types.js";
import type { RequestId } from "../../protocol/generated/schema-types.js";
import type { SendOptions, Transport, TransportEvents } from "../../jsonrpc/transport.js";
import { AuthorizationFailedError, type AuthRequest, type HttpClientAuth } from "./auth.js";
import { parseSse } from "./sse-parser.js";
import { errorAnswer, refusalBody, type LocalFailure } from "./answers.js";

export interface ReconnectOptions {
  /** Wait before the first reconnect when the server sent no `retry`. Default 1000 ms. */
  initialDelayMs?: number;
  /** Longest wait between attempts. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Growth of the wait after each failed attempt. Default 1.5. */
  factor?: number;
  /** Attempts before giving up on a stream. Default 5. */
  maxRetries?: number;
}

/** More resends than this for one request means the auth is looping; the request fails. */
const MAX_AUTH_RESENDS = 4;

export interface StreamableHttpClientOptions {
  /**
   * Authorization for every request: an OAuthClient from trellis-mcp/auth, or your own HttpClientAuth. A 401
   * or 403 is passed to it, and the request is sent again when it has new credentials.
   */
  auth?: HttpClientAuth;
  /** Extra headers on every request (static, or computed per request, for example for auth). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** The fetch to use. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  reconnect?: ReconnectOptions;
  /** Open a GET stream for server-initiated messages after initialize. Default true. */
  openGetStream?: boolean;
  /**
   * Resume an existing session instead of starting one (with McpClient.connect's `resume`): the GET stream, unless
   * turned off, opens at start.
   */
  sessionId?: string;
  /** The protocol revision of the session resumed with `sessionId`, for the MCP-Protocol-Version header. */
  protocolVersion?: string;
  /** End the session with DELETE on close. Default true; false leaves it for a later `sessionId` to rejoin. */
  endSessionOnClose?: boolean;
}

export class StreamableHttpClientTransport implements Transport {
  readonly #url: URL;
  readonly #opts: StreamableHttpClientOptions;
  readonly #fetch: typeof fetch;
  readonly #abort = new AbortController();
  /** 2026-07-28 requests in flight: closing a request's response is how it is cancelled (there is no session to tell). */
  readonly #modernInflight = new Map<RequestId, AbortController>();
  #events?: TransportEvents;
  #sessionId?: string;
  readonly #endSessionOnClose: boolean;
  #protocolVersion?: string;
  #initializeId?: RequestId;
  #getStreamOpen = false;
  #closed = false;

  constructor(url: string | URL, options: StreamableHttpClientOptions = {}) {
    this.#url = new URL(url);
    this.#opts = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#sessionId = options.sessionId;
    this.#protocolVersion = options.protocolVersion;
    this.#endSessionOnClose = options.endSessionOnClose !== false;
  }

  /** An HTTP server answers every POST, if only with a status. */
  readonly answersEveryRequest = true;

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** The revision sent in MCP-Protocol-Version, learned from the initialize result. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  start(events: TransportEvents): void {
    this.#events = events;
    if (this.#sessionId) this.#openGetStream();
  }

  async #headers(extra: Record<string, string>, request: AuthRequest, modern = false): Promise<Headers> {
    const custom = typeof this.#opts.headers === "function" ? await this.#opts.headers() : (this.#opts.headers ?? {});
    const h = new Headers(custom);
    if (this.#opts.auth) for (const [k, v] of Object.entries(await this.#opts.auth.headers(request))) h.set(k, v);
    // A 2026-07-28 message stands alone: its headers come from its body, and it names no session.
    if (!modern && this.#sessionId) h.set("mcp-session-id", this.#sessionId);
    if (!modern && this.#protocolVersion) h.set("mcp-protocol-version", this.#protocolVersion);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return h;
  }

  /**
   * One HTTP exchange with the server, through the auth hook: a 401/403 goes to `auth.challenge`, and the
   * request is sent again (with the same body) when it says so. Throws AuthorizationFailedError when the
   * challenge cannot be met.
   */
  async #request(
    method: string,
    extra: Record<string, string>,
    init: { body?: string; signal: AbortSignal; reauthorize?: boolean; modern?: boolean },
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const req: AuthRequest = { method, url: this.#url, attempt };
      const headers = await this.#headers(extra, req, init.modern);
      const res = await this.#fetch(this.#url, { method, headers, body: init.body, signal: init.signal });
      const auth = this.#opts.auth;
      if (!auth || init.reauthorize === false || (res.status !== 401 && res.status !== 403)) return res;
      let again: boolean;
      try {
        again = attempt < MAX_AUTH_RESENDS && (await auth.challenge(res, { ...req, headers }));
      } catch (err) {
        await res.body?.cancel().catch(() => {});
        throw err instanceof AuthorizationFailedError
          ? err
          : new AuthorizationFailedError(`authorization failed: ${(err as Error).message}`, res.status, { cause: err });
      }
      if (!again) return res;
      await res.body?.cancel().catch(() => {});
    }
  }

  send(message: JsonRpcMessage, options?: SendOptions): void {
    if (this.#closed) return;
    if ("method" in message && message.method === "notifications/cancelled") {
      const inflight = this.#modernInflight.get((message.params as { requestId?: RequestId } | undefined)?.requestId as RequestId);
      if (inflight) return inflight.abort();
    }
    void this.#post(message, options?.headers);
  }

  /**
   * Fails a request locally so that its caller gets an error instead of waiting for a timeout. The error's data says
   * `local: true` (this transport made it: the server sent no JSON-RPC answer), beside the HTTP status when there was
   * one, so that a caller can tell it from the same code sent by a server (-32000 is both this failure and a common
   * server error).
   */
  #failRequest(message: JsonRpcMessage, text: string, code: number = ErrorCode.ConnectionClosed, data?: LocalFailure): void {
    if ("method" in message && "id" in message) this.#failId(message.id, text, code, data);
    else this.#events?.error(new TrellisError("TRANSPORT_ERROR", text));
  }

  #failId(id: RequestId, text: string, code: number = ErrorCode.ConnectionClosed, data?: LocalFailure): void {
    this.#events?.message({ jsonrpc: "2.0", id, error: { code, message: text, data: { ...data, local: true } } });
  }

  async #post(message: JsonRpcMessage, extraHeaders?: Record<string, string>): Promise<void> {
    const isRequest = "method" in message && "id" in message;
    if (isRequest && message.method === "initialize") this.#initializeId = message.id;
    const modern = modernHeaders(message);
    const own = modern && isRequest ? new AbortController() : undefined;
    if (own) this.#modernInflight.set((message as { id: RequestId }).id, own);
    try {
      await this.#exchange(message, isRequest, modern, extraHeaders, own);
    } finally {
      if (own) this.#modernInflight.delete((message as { id: RequestId }).id);
    }
  }

  async #exchange(
    message: JsonRpcMessage,
    isRequest: boolean,
    modern: Record<string, string> | undefined,
    extraHeaders: Record<string, string> | undefined,
    own: AbortController | undefined,
  ): Promise<void> {
    const signal = own ? AbortSignal.any([this.#abort.signal, own.signal]) : this.#abort.signal;
    let res: Response;
    try {
      res = await this.#request(
        "POST",
        { "content-type": "application/json", accept: "application/json, text/event-stream", ...modern, ...(modern ? extraHeaders : {}) },
        { body: JSON.stringify(message), signal, modern: modern !== undefined },
      );
    } catch (err) {
      if (this.#closed || own?.signal.aborted) return;
      if (err instanceof AuthorizationFailedError)
        this.#failRequest(message, err.message, ErrorCode.ConnectionClosed, { httpStatus: err.status, authorization: true });
      else this.#failRequest(message, `POST ${this.#url.href} failed: ${(err as Error).message}`);
      return;
    }
    const sid = res.headers.get("mcp-session-id");
    if (sid && !this.#sessionId) this.#sessionId = sid;
    if (res.status === 202) {
      await res.body?.cancel();
      if (!isRequest && "method" in message && message.method === "notifications/initialized") this.#openGetStream();
      return;
    }
    if (!res.ok) {
      const body = await refusalBody(res);
      const denied = res.status === 401 || res.status === 403;
      if (modern && isRequest) {
        // 2026-07-28 answers a refused request with its JSON-RPC error (-32022 names the revisions to use): pass it on,
        // with the HTTP status beside the server's own data, which says what a bare code may not (a 400 "not
        // initialized" from an older server is not a 503 from an overloaded one).
        const answer = errorAnswer(body, (message as { id: RequestId }).id, res.status);
        if (answer) {
          return this.#deliver(answer);
        }
      }
      let detail = body.slice(0, 500);
      try {
        const parsed = JSON.parse(body) as { error?: { message?: string } };
        if (parsed.error?.message) detail = parsed.error.message;
      } catch {
        // not JSON: keep the text
      }
      const expired = res.status === 404 && this.#sessionId !== undefined;
      if (expired) this.#sessionId = undefined;
      const challenge = denied ? res.headers.get("www-authenticate") : null;
      const text = expired
        ? `session expired (HTTP 404): ${detail}; initialize a new session`
        : `HTTP ${res.status}: ${detail}${challenge ? ` (WWW-Authenticate: ${challenge})` : ""}`;
      this.#failRequest(message, text, ErrorCode.ConnectionClosed, { httpStatus: res.status, ...(denied ? { authorization: true } : {}) });
      return;
    }
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("text/event-stream")) {
      if (own) {
        // Cancelled: the stream closes, which tells the server; nothing more is read or reported.
        own.signal.addEventListener("abort", () => void res.body?.cancel().catch(() => {}), { once: true });
        const id = (message as { id: RequestId }).id;
        const state = { answered: false };
        await this.#consume(res, id, state, own.signal);
        if (!state.answered && !own.signal.aborted && !this.#closed)
          this.#failRequest(
            message,
            "the response stream ended before the response (2026-07-28 streams cannot be resumed; send the request again)",
          );
        return;
      }
      await this.#readStream(res, isRequest ? (message as { id: RequestId }).id : undefined);
    } else if (type.includes("application/json")) {
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        this.#failRequest(message, `server sent invalid JSON: ${(err as Error).message}`, ErrorCode.ParseError);
        return;
      }
      this.#deliver(body);
    } else {
      await res.body?.cancel();
      if (isRequest) this.#failRequest(message, `server answered with unexpected Content-Type ${JSON.stringify(type)}`);
    }
  }

  #deliver(body: unknown): void {
    const m = body as { id?: RequestId; result?: { protocolVersion?: unknown } };
    if (m && m.id !== undefined && m.id === this.#initializeId && typeof m.result?.protocolVersion === "string") {
      this.#protocolVersion = m.result.protocolVersion;
    }
    this.#events?.message(body);
  }

  /**
   * Reads one SSE stream to its end. A stream that carried a request ends properly with that request's
   * response; if it ends first (cut, or closed by the server for polling), reconnect with Last-Event-ID.
   */
  async #readStream(res: Response, requestId: RequestId | undefined): Promise<void> {
    const state = { lastEventId: undefined as string | undefined, retryMs: undefined as number | undefined, answered: false };
    let response: Response | undefined = res;
    let attempt = 0;
    const r = { initialDelayMs: 1000, maxDelayMs: 30_000, factor: 1.5, maxRetries: 5, ...this.#opts.reconnect };
    while (response && !this.#closed) {
      const got = await this.#consume(response, requestId, state);
      if (got) attempt = 0;
      if (requestId === undefined ? this.#closed : state.answered) return;
      if (state.lastEventId === undefined) {
        if (requestId !== undefined) this.#failId(requestId, "SSE stream ended before the response and cannot be resumed (no event id)");
        return;
      }
      if (attempt >= r.maxRetries) {
        if (requestId !== undefined) this.#failId(requestId, `SSE stream could not be resumed after ${attempt} attempts`);
        return;
      }
      // SEP-1699: the server's retry comes first; our backoff applies to repeated failures.
      const delay = Math.min(r.maxDelayMs, (state.retryMs ?? r.initialDelayMs) * r.factor ** attempt);
      attempt++;
      await pause(delay, this.#abort.signal);
      if (this.#closed) return;
      response = await this.#resume(state.lastEventId);
    }
  }

  /** Delivers every event of one response body; true if any message arrived. */
  async #consume(
    res: Response,
    requestId: RequestId | undefined,
    state: { lastEventId?: string; retryMs?: number; answered: boolean },
    cancelled?: AbortSignal,
  ): Promise<boolean> {
    if (!res.body) return false;
    let any = false;
    try {
      for await (const ev of parseSse(res.body, cancelled ? AbortSignal.any([this.#abort.signal, cancelled]) : this.#abort.signal)) {
        if (ev.id !== undefined) state.lastEventId = ev.id;
        if (ev.retry !== undefined) state.retryMs = ev.retry;
        if (!ev.data || (ev.event && ev.event !== "message")) continue;
        let msg: unknown;
        try {
          msg = JSON.parse(ev.data);
        } catch (err) {
          this.#events?.error(new TrellisError("INVALID_MESSAGE", `server sent an SSE event that is not JSON: ${(err as Error).message}`));
          continue;
        }
        any = true;
        const m = msg as { id?: RequestId; method?: string };
        if (requestId !== undefined && m.id === requestId && m.method === undefined) state.answered = true;
        this.#deliver(msg);
      }
    } catch (err) {
      if (!this.#closed && !cancelled?.aborted)
        this.#events?.error(new TrellisError("TRANSPORT_ERROR", `SSE stream broke: ${(err as Error).message}`));
    }
    return any;
  }

  async #resume(lastEventId: string): Promise<Response | undefined> {
    try {
      const res = await this.#request("GET", { accept: "text/event-stream", "last-event-id": lastEventId }, { signal: this.#abort.signal });
      if (res.ok && (res.headers.get("content-type") ?? "").includes("text/event-stream")) return res;
      await res.body?.cancel();
      // An empty stream stands in for a failed attempt; the loop counts it and backs off.
      return new Response("", { headers: { "content-type": "text/event-stream" } });
    } catch (err) {
      if (this.#closed) return undefined;
      this.#events?.error(new TrellisError("TRANSPORT_ERROR", `resuming the SSE stream failed: ${(err as Error).message}`));
      return new Response("", { headers: { "content-type": "text/event-stream" } });
    }
  }

  /** Opens the standalone GET stream for server-initiated messages, if the server offers one. */
  #openGetStream(): void {
    if (this.#opts.openGetStream === false || this.#getStreamOpen || this.#closed) return;
    this.#getStreamOpen = true;
    void (async () => {
      try {
        const res = await this.#request("GET", { accept: "text/event-stream" }, { signal: this.#abort.signal });
        if (!res.ok || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
          await res.body?.cancel();
          this.#getStreamOpen = false;
          return; // 405: the server offers no GET stream, which is allowed.
        }
        await this.#readStream(res, undefined);
      } catch (err) {
        if (!this.#closed) this.#events?.error(new TrellisError("TRANSPORT_ERROR", `GET stream failed: ${(err as Error).message}`));
      }
      this.#getStreamOpen = false;
    })();
  }

  /** close aborts open streams and ends the session with DELETE (a 405 answer is fine). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    if (this.#sessionId && this.#endSessionOnClose) {
      try {
        const res = await this.#request("DELETE", {}, { signal: AbortSignal.timeout(5000), reauthorize: false });
        await res.body?.cancel();
      } catch {
        // best effort: the server expires idle sessions anyway
      }
    }
    this.#events?.close();
  }
}

/**
 * The standard headers of a 2026-07-28 message (basic/transports): MCP-Protocol-Version from its _meta, Mcp-Method,
 * and Mcp-Name for the methods that name something; undefined for a message of an older revision.
 */
function modernHeaders(message: JsonRpcMessage): Record<string, string> | undefined {
  if (!("method" in message)) return undefined;
  const params = message.params as Record<string, unknown> | undefined;
  if (!claimsModern(params)) return undefined;
  const version = String((params!._meta as Record<string, unknown>)[META.protocolVersion]);
  const h: Record<string, string> = { "mcp-protocol-version": version, "mcp-method": message.method };
  const name = requestName(message.method, params);
  if (typeof name === "string") h["mcp-name"] = encodeHeaderValue(name);
  return h;
}

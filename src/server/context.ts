/**
 * HandlerContext: what a tool, resource or prompt handler can do while it runs. Each ability that needs a
 * client capability checks it first and fails with a TrellisError CAPABILITY_MISSING that names it.
 */
import { ErrorCode, ProtocolError, TrellisError, misuse } from "../protocol/errors.js";
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  ListRootsResult,
  LoggingLevel,
  ProgressToken,
  RequestId,
} from "../protocol/generated/schema-types.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { RequestOptions } from "../jsonrpc/outgoing.js";
import type { AuthInfo } from "../jsonrpc/transport.js";
import type { ExtensionsCapability } from "../protocol/extensions.js";
import { logMessage } from "./logging.js";
import type { ServerSession } from "./session.js";
import { checkElicitationSchema, validateElicitedContent } from "../internal/elicitation-schema.js";
import { missingCapability } from "../protocol/modern.js";
import { ask, inputRound } from "./mrtr.js";
import { backgroundHook } from "./background.js";
import type { ClientCapabilities } from "../protocol/generated/schema-types.js";

/**
 * AskOptions: how long to wait for the client, and on a 2026-07-28 request the key its answer travels under
 * (`inputRequests` / `inputResponses`). Default keys are the ask's kind and order: `elicit-1`, `sample-1`, `roots-1`.
 */
export type AskOptions = RequestOptions & { inputKey?: string };

/** ElicitFormOptions ask the user for structured input (form mode). */
export type ElicitFormOptions = Omit<ElicitRequestFormParams, "mode"> & { mode?: "form" };
/** ElicitUrlOptions send the user to a URL out of band (URL mode, SEP-1036). */
export type ElicitUrlOptions = Omit<ElicitRequestURLParams, "elicitationId"> & { elicitationId?: string };

/** Default time a handler waits for a person to answer an elicitation: 10 minutes. */
export const DEFAULT_ELICIT_TIMEOUT_MS = 600_000;
/** Default time a handler waits for a sampling answer: 5 minutes. */
export const DEFAULT_SAMPLE_TIMEOUT_MS = 300_000;

/** TaskHooks connect a handler running as a task to its task manager. */
export interface TaskHooks {
  taskId: string;
  setStatusMessage(message: string): void;
}

export class HandlerContext {
  readonly #rpc: RequestContext;
  #task?: TaskHooks;
  /** Set by background(): the task's signal and how its asks travel. */
  #background?: {
    signal: AbortSignal;
    ask: (method: string, params: Record<string, unknown> | undefined, options: AskOptions) => Promise<Record<string, unknown>>;
  };
  #lastProgress?: number;
  /** The session of the client that made the request (undefined for a task resumed after a restart). */
  readonly session: ServerSession;

  constructor(rpc: RequestContext, session: ServerSession, task?: TaskHooks) {
    this.#rpc = rpc;
    this.session = session;
    this.#task = task;
  }

  /** The task this handler runs as, when the client called it as a task. */
  get taskId(): string | undefined {
    return this.#task?.taskId;
  }

  /**
   * setStatusMessage records a human-readable status on the task (tasks/get shows it; a status notification
   * carries it). Outside a task it does nothing.
   */
  setStatusMessage(message: string): void {
    this.#task?.setStatusMessage(message);
  }

  /** Aborted when the client cancels the request or disconnects (after background(): when the task is cancelled). */
  get signal(): AbortSignal {
    return this.#background?.signal ?? this.#rpc.signal;
  }

  /**
   * background: on a 2026-07-28 call of a `deferTask` tool from a client that takes tasks, the call becomes a task
   * here — the client gets the task handle, and the rest of the handler runs as the task (its asks wait for
   * tasks/update, its result is the task's). The asks before it were answered in input rounds. Elsewhere it
   * returns at once and the handler goes on as it was.
   */
  async background(): Promise<void> {
    const become = backgroundHook(this.#rpc);
    if (!become || this.#background) return;
    const { control, ask } = await become();
    this.#task = { taskId: control.taskId, setStatusMessage: control.setStatusMessage };
    this.#background = { signal: control.signal, ask: (m, p, o) => ask(control, m, p, o) };
  }
  get requestId(): RequestId {
    return this.#rpc.id;
  }
  /** The request's `_meta`, if any. */
  get meta(): Record<string, unknown> | undefined {
    return this.#rpc.meta;
  }
  get progressToken(): ProgressToken | undefined {
    return this.#rpc.progressToken;
  }
  /**
   * The extensions this client and server both declared (SEP-2133), each with the client's settings: what the
   * handler may rely on the client to support. Empty when none were negotiated.
   */
  get extensions(): Readonly<ExtensionsCapability> {
    return this.session?.extensions ?? {};
  }

  /** The authenticated caller, when the transport authenticates. */
  get authInfo(): AuthInfo | undefined {
    return this.#rpc.extra?.authInfo;
  }

  /**
   * progress reports progress when the client asked for it (a progressToken in `_meta`); otherwise it does
   * nothing. The spec requires progress to increase; a value that does not is dropped. In a task, `message`
   * also becomes the task's status message.
   */
  progress(progress: number, total?: number, message?: string): void {
    // In a task, a progress message is also the task's status message, so pollers see it too.
    if (message !== undefined) this.#task?.setStatusMessage(message);
    const token = this.#rpc.progressToken;
    if (token === undefined) return;
    if (this.#lastProgress !== undefined && progress <= this.#lastProgress) return;
    this.#lastProgress = progress;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.#rpc.notify("notifications/progress", params);
  }

  /** log sends a `notifications/message` to this client, if its level passes the client's `logging/setLevel`. */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    // A 2026-07-28 request gets log messages only when it asked for them (a log level in its _meta).
    if (this.session?.modern && !this.session.logLevel) return;
    const params = this.session ? logMessage(level, data, logger, this.session.logLevel) : undefined;
    if (params) this.#rpc.notify("notifications/message", params);
  }

  /**
   * elicit asks the user for input through the client. Form mode (the default) checks `requestedSchema`
   * against the spec's restricted schema and checks accepted content against it; URL mode (SEP-1036) needs
   * the client's `elicitation.url` capability and returns once the user has consented or declined.
   */
  async elicit(params: ElicitFormOptions | ElicitUrlOptions, options: AskOptions = {}): Promise<ElicitResult> {
    const caps = this.session?.clientCapabilities.elicitation as { form?: object; url?: object } | undefined;
    if (!caps)
      throw this.#missing({ elicitation: {} }, 'client did not declare the "elicitation" capability; it cannot be asked for input');
    if (params.mode === "url") {
      if (!caps.url)
        throw this.#missing(
          { elicitation: { url: {} } },
          'client did not declare the "elicitation.url" capability; use form mode or return a URLElicitationRequired error',
        );
      const p = params as ElicitUrlOptions;
      if (typeof p.url !== "string" || !URL.canParse(p.url))
        throw misuse(`elicit: "url" must be an absolute URL; got ${JSON.stringify(p.url)}`);
      // 2026-07-28 has no elicitationId (nor the completion notification it served).
      const sent = this.session?.modern ? { ...p, mode: "url" } : { ...p, elicitationId: p.elicitationId ?? crypto.randomUUID() };
      if (this.session?.modern) delete (sent as { elicitationId?: string }).elicitationId;
      return (await this.#ask("elicit", "elicitation/create", sent, { timeoutMs: DEFAULT_ELICIT_TIMEOUT_MS, ...options })) as ElicitResult;
    }
    // An empty elicitation capability means form mode (backwards compatibility, elicitation.mdx).
    if (caps.url && !caps.form) {
      throw this.#missing(
        { elicitation: { form: {} } },
        'client declared only "elicitation.url"; form mode is not supported by this client',
      );
    }
    const form = params as ElicitFormOptions;
    checkElicitationSchema(form.requestedSchema);
    const request = { ...form };
    delete request.mode;
    // Send `mode` only to 2025-11-25 clients: older revisions do not define it.
    const sent = this.session?.protocolVersion === "2025-11-25" ? { mode: "form", ...request } : request;
    const r = (await this.#ask("elicit", "elicitation/create", sent, { timeoutMs: DEFAULT_ELICIT_TIMEOUT_MS, ...options })) as ElicitResult;
    if (r.action === "accept") {
      const problem = validateElicitedContent(form.requestedSchema, r.content);
      if (problem) throw new TrellisError("REQUEST_FAILED", `elicitation response does not match requestedSchema: ${problem}`);
    }
    return r;
  }

  /**
   * urlElicitationRequired ends the request with the -32042 error (SEP-1036), telling the client which URL
   * elicitations must complete before it retries. It never returns.
   */
  urlElicitationRequired(
    elicitations: Array<Omit<ElicitRequestURLParams, "mode"> & { mode?: "url" }>,
    message = "this request needs you to complete an interaction in your browser first",
  ): never {
    throw new ProtocolError(ErrorCode.UrlElicitationRequired, message, { elicitations: elicitations.map((e) => ({ mode: "url", ...e })) });
  }

  /**
   * sample asks the client's model for a completion. `tools` and `toolChoice` (SEP-1577) need the
   * client's `sampling.tools` capability.
   */
  async sample(params: CreateMessageRequestParams, options: AskOptions = {}): Promise<CreateMessageResult> {
    const caps = this.session?.clientCapabilities.sampling as { tools?: object; context?: object } | undefined;
    if (!caps)
      throw this.#missing({ sampling: {} }, 'client did not declare the "sampling" capability; it cannot be asked for a completion');
    if ((params.tools || params.toolChoice) && !caps.tools)
      throw this.#missing(
        { sampling: { tools: {} } },
        'client did not declare "sampling.tools"; send the request without "tools" and "toolChoice"',
      );
    if (params.includeContext && params.includeContext !== "none" && !caps.context) {
      throw this.#missing(
        { sampling: { context: {} } },
        `client did not declare "sampling.context"; "includeContext": "${params.includeContext}" needs it`,
      );
    }
    return (await this.#ask("sample", "sampling/createMessage", params as unknown as Record<string, unknown>, {
      timeoutMs: DEFAULT_SAMPLE_TIMEOUT_MS,
      ...options,
    })) as unknown as CreateMessageResult;
  }

  /** listRoots asks the client for its roots; it needs the client's `roots` capability. */
  async listRoots(options: AskOptions = {}): Promise<ListRootsResult> {
    if (!this.session?.clientCapabilities.roots) throw this.#missing({ roots: {} }, 'client did not declare the "roots" capability');
    return (await this.#ask("roots", "roots/list", undefined, options)) as ListRootsResult;
  }

  /** The error for a capability the client lacks: -32021 on a 2026-07-28 request, a local TrellisError otherwise. */
  #missing(required: ClientCapabilities, message: string): Error {
    return this.session?.modern
      ? missingCapability(required, message.replace(/^client did not declare /, ""))
      : new TrellisError("CAPABILITY_MISSING", message);
  }

  /**
   * Sends a request to the client on behalf of this handler. A JSON-RPC error from the client becomes a
   * TrellisError REQUEST_FAILED, so that an unhandled one reaches the model as a tool execution error
   * rather than posing as this server's own protocol error.
   */
  async #ask(
    kind: string,
    method: string,
    params: Record<string, unknown> | undefined,
    options: AskOptions,
  ): Promise<Record<string, unknown>> {
    if (this.#background) return this.#background.ask(method, params, options);
    // A 2026-07-28 request cannot send the client a request: its answer comes in a later round (mrtr.ts).
    const round = inputRound(this.#rpc);
    if (round) return ask(round, kind, method, params, options.inputKey) as Record<string, unknown>;
    // Elsewhere in 2026-07-28 (not tools/call, prompts/get or resources/read, nor a task) a server cannot ask.
    if (this.session?.modern && !this.#task)
      throw new TrellisError("CAPABILITY_MISSING", `a 2026-07-28 "${this.#rpc.method}" request cannot ask the client ("${method}")`);
    try {
      return await this.#rpc.request(method, params, { ...options, signal: options.signal ?? this.signal });
    } catch (err) {
      if (err instanceof ProtocolError)
        throw new TrellisError("REQUEST_FAILED", `the client answered "${method}" with error ${err.code}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /**
   * closeSSEStream closes the Streamable HTTP stream carrying this request (SEP-1699 polling): the client
   * reconnects with Last-Event-ID and receives what was sent meanwhile. Elsewhere it does nothing.
   */
  closeSSEStream(): void {
    this.#rpc.extra?.closeStream?.();
  }
}

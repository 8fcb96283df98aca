/**
 * The options of McpClient and of its calls, the handlers an application gives it for what servers ask, and the
 * error a -32042 answer becomes.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  LoggingMessageNotificationParams,
  Root,
} from "../protocol/generated/schema-types.js";
import type { RequestOptions } from "../jsonrpc/outgoing.js";
import type { TaskOptions } from "../tasks/types.js";

/** What a handler for server requests gets besides the params. */
export interface ClientHandlerContext {
  /** Aborted when the server cancels the request. */
  signal: AbortSignal;
}

export type SamplingHandler = (
  params: CreateMessageRequestParams,
  ctx: ClientHandlerContext,
) => Promise<CreateMessageResult> | CreateMessageResult;
export type FormElicitationHandler = (params: ElicitRequestFormParams, ctx: ClientHandlerContext) => Promise<ElicitResult> | ElicitResult;
/** A URL elicitation as shown to the user: the handler asks for consent and opens nothing by itself. */
export interface UrlElicitation {
  url: string;
  /** The host the URL leads to: show it prominently in the consent prompt. */
  domain: string;
  message: string;
  elicitationId: string;
}
export type UrlElicitationHandler = (request: UrlElicitation, ctx: ClientHandlerContext) => Promise<ElicitResult> | ElicitResult;

/** ClientOptions configure an McpClient. Every field is optional. */
export interface ClientOptions {
  /** Answers sampling/createMessage. Declares the "sampling" capability. */
  sampling?: SamplingHandler;
  /** The sampling handler understands `tools` / `toolChoice` (SEP-1577). Default false. */
  samplingTools?: boolean;
  /** Answers form-mode elicitation (declares "elicitation.form"). Accepted content gets SEP-1034 defaults and is checked against the schema. */
  elicitForm?: FormElicitationHandler;
  /** Answers URL-mode elicitation (declares "elicitation.url"). */
  elicitUrl?: UrlElicitationHandler;
  /** The client's roots (declares "roots" with listChanged). Change them with setRoots. */
  roots?: Root[];
  /** Default request timeout. Default 60 000 ms. */
  timeoutMs?: number;
  /**
   * Receive task-augmented sampling and elicitation requests (tasks.mdx): the client answers CreateTaskResult
   * at once, runs the handler in the background, and serves tasks/get, tasks/result, tasks/list and
   * tasks/cancel. Declares the matching "tasks" capabilities. Default: off.
   */
  tasks?: TaskOptions;
  /**
   * The revision to offer. Default "auto": 2026-07-28 first (server/discover, no session; input_required answered by
   * the same handlers), and initialize at 2025-11-25 when the server does not speak it. "2026-07-28" speaks only
   * that revision; "2025-11-25" (or an older one) only initializes.
   */
  protocolVersion?: string;
  /**
   * 2026-07-28: declare the io.modelcontextprotocol/tasks extension, so that a server may answer a tools/call with
   * a task; callTool then follows it to its end (polling, answering its questions) and callToolAsTask returns it.
   * Default true.
   */
  acceptTasks?: boolean;
  onLog?: (params: LoggingMessageNotificationParams) => void;
  onResourceUpdated?: (uri: string) => void;
  onListChanged?: (kind: "tools" | "resources" | "prompts") => void;
  onElicitationComplete?: (elicitationId: string) => void;
  /** Receives errors with no caller: a bad message from the server, a transport fault. */
  onerror?: (error: Error) => void;
}

/** CallToolOptions tune one tool call. */
export type CallOptions = Pick<
  RequestOptions,
  "signal" | "timeoutMs" | "onprogress" | "resetTimeoutOnProgress" | "maxTotalTimeoutMs" | "meta"
>;

/** UrlElicitationRequiredError is a -32042 error: the server needs these URL elicitations completed first. */
export class UrlElicitationRequiredError extends ProtocolError {
  readonly elicitations: ElicitRequestURLParams[];
  constructor(message: string, elicitations: ElicitRequestURLParams[]) {
    super(ErrorCode.UrlElicitationRequired, message, { elicitations });
    this.name = "UrlElicitationRequiredError";
    this.elicitations = elicitations;
  }
}

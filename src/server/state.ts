/**
 * ServerState: what an McpServer holds and its feature handlers read — its identity and options, the registries of
 * tools, resources, templates and prompts, the task manager when tasks are on. One object shared by every session,
 * so a session itself stays small.
 */
import type { Implementation, ServerCapabilities } from "../protocol/generated/schema-types.js";
import type { RequestContext } from "../jsonrpc/session.js";
import type { TaskManager } from "../tasks/manager.js";
import type { PromptEntry } from "./prompts.js";
import type { ResourceEntry, TemplateEntry } from "./resources.js";
import type { ServerOptions } from "./server.js";
import type { ToolEntry } from "./tools.js";
import type { ToolCallHook, ToolListHook } from "./extension.js";
import type { ExtensionSettings } from "../protocol/extensions.js";
import { DEFAULT_PAGE_SIZE } from "./pagination.js";

export class ServerState {
  readonly info: Implementation;
  readonly options: ServerOptions;
  readonly pageSize: number;
  readonly tools = new Map<string, ToolEntry>();
  readonly resources = new Map<string, ResourceEntry>();
  readonly templates = new Map<string, TemplateEntry>();
  readonly prompts = new Map<string, PromptEntry>();
  /** How many resources are registered with `listed: false` (lists skip the filter while there are none). */
  unlisted = 0;
  /** The task manager, once tasks are on (the `tasks` option, or a tool that can run as a task). */
  tasks?: TaskManager;
  /** The extensions in use (server.use), by identifier: what the server declares, and whether clients must declare them too. */
  readonly extensions = new Map<string, { settings: ExtensionSettings; requireClient: boolean }>();
  /** Extensions' hooks around tool calls, outermost first, and over tools/list. Empty unless an extension adds one. */
  readonly toolCallHooks: ToolCallHook[] = [];
  readonly toolListHooks: ToolListHook[] = [];
  /** What the server declares at initialize; set by McpServer from its registrar. */
  capabilities: () => ServerCapabilities = () => ({});

  constructor(info: Implementation, options: ServerOptions) {
    this.info = info;
    this.options = options;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** The capabilities forced by the `capabilities` option, whatever is registered. */
  get forced(): ServerCapabilities {
    return this.options.capabilities ?? {};
  }

  /** filtersFor: do lists leave out what this caller lacks the scopes for (an authenticated caller, items hidden)? */
  filtersFor(rpc: RequestContext): boolean {
    return rpc.extra?.authInfo?.scopes !== undefined && this.options.unauthorizedItems !== "show";
  }

  /** visible filters a list to what the caller has the scopes for, unless the server shows everything. */
  visible<T extends { scopes: string[] }>(items: Iterable<T>, rpc: RequestContext): Iterable<T> {
    if (!this.filtersFor(rpc)) return items;
    const granted = rpc.extra!.authInfo!.scopes;
    return [...items].filter((i) => i.scopes.every((s) => granted.includes(s)));
  }
}

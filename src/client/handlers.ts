/**
 * The client's handlers for what a server asks: sampling, elicitation (form and URL), roots, and, with a task
 * receiver, task-augmented sampling and elicitation and the tasks/* methods. Capabilities follow from the same
 * options (clientCapabilities), so a client declares exactly what it answers.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  Root,
} from "../protocol/generated/schema-types.js";
import type { RequestHandler } from "../jsonrpc/session.js";
import type { TaskManager } from "../tasks/manager.js";
import { toWireTask } from "../tasks/types.js";
import { checkFormResult, domainOf } from "./elicitation.js";
import type { ClientOptions } from "./options.js";
import { checkToolMessages } from "./sampling.js";

type Params = Record<string, unknown>;

/** clientCapabilities declares what the handlers in `o` answer, and nothing else. */
export function clientCapabilities(o: ClientOptions, receivesTasks: boolean): ClientCapabilities {
  const caps: ClientCapabilities = {};
  if (o.sampling) caps.sampling = o.samplingTools ? { tools: {} } : {};
  if (o.elicitForm || o.elicitUrl) caps.elicitation = { ...(o.elicitForm ? { form: {} } : {}), ...(o.elicitUrl ? { url: {} } : {}) };
  if (o.roots) caps.roots = { listChanged: true };
  if (receivesTasks && (o.sampling || o.elicitForm || o.elicitUrl)) {
    caps.tasks = {
      list: {},
      cancel: {},
      requests: {
        ...(o.sampling ? { sampling: { createMessage: {} } } : {}),
        ...(o.elicitForm || o.elicitUrl ? { elicitation: { create: {} } } : {}),
      },
    };
  }
  return caps;
}

/** serverRequestHandlers builds the handlers for one connection; `roots` reads the current roots. */
export function serverRequestHandlers(o: ClientOptions, roots: () => Root[], receiver?: TaskManager): Map<string, RequestHandler> {
  const handlers = new Map<string, RequestHandler>();
  if (o.sampling) {
    handlers.set("sampling/createMessage", async (p, ctx) => {
      const params = p as unknown as CreateMessageRequestParams;
      if ((params.tools || params.toolChoice) && !o.samplingTools)
        throw new ProtocolError(ErrorCode.InvalidParams, 'invalid params: this client did not declare "sampling.tools"');
      const problem = checkToolMessages(params);
      if (problem) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: ${problem}`);
      return o.sampling!(params, { signal: ctx.signal });
    });
  }
  if (o.elicitForm || o.elicitUrl) {
    handlers.set("elicitation/create", async (p, ctx) => {
      if (p.mode === "url") {
        if (!o.elicitUrl)
          throw new ProtocolError(
            ErrorCode.InvalidParams,
            'invalid params: this client does not support URL-mode elicitation ("elicitation.url")',
          );
        const u = p as unknown as ElicitRequestURLParams;
        let domain: string;
        try {
          domain = domainOf(u.url);
        } catch {
          throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: "url" ${JSON.stringify(u.url)} is not a URL`);
        }
        const r = await o.elicitUrl({ url: u.url, domain, message: u.message, elicitationId: u.elicitationId }, { signal: ctx.signal });
        const { content: _content, ...rest } = r;
        return rest;
      }
      if (!o.elicitForm)
        throw new ProtocolError(
          ErrorCode.InvalidParams,
          'invalid params: this client does not support form-mode elicitation ("elicitation.form")',
        );
      const params = p as unknown as ElicitRequestFormParams;
      return checkFormResult(params, await o.elicitForm(params, { signal: ctx.signal }));
    });
  }
  if (o.roots) handlers.set("roots/list", () => ({ roots: roots() }));
  if (receiver) {
    // The server is this client's only requestor, so every task it creates here has one owner.
    const owner = "server";
    for (const method of ["sampling/createMessage", "elicitation/create"]) {
      const handle = handlers.get(method);
      if (!handle) continue;
      handlers.set(method, async (p, ctx) => {
        if (p.task === undefined) return handle(p, ctx);
        const { task, ...request } = p;
        const record = await receiver.create(owner, method, request, (task as { ttl?: unknown }).ttl);
        receiver.execute(record, ctx.session, ctx.id, async (control) => ({
          status: "completed",
          result: (await handle(request, { ...ctx, signal: control.signal })) as Params,
        }));
        return { task: toWireTask(record) };
      });
    }
    handlers.set("tasks/get", (p) => receiver.get(owner, p));
    handlers.set("tasks/result", (p, ctx) => receiver.result(owner, p, ctx));
    handlers.set("tasks/list", (p) => receiver.list(owner, p));
    handlers.set("tasks/cancel", (p) => receiver.cancel(owner, p));
  }
  return handlers;
}

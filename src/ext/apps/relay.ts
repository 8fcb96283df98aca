/**
 * AppRelay: the web-standard endpoint a browser page uses to render views whose host — the AppHost and its MCP
 * connection — runs on a server (Node, say, for a stdio server). Routes, under any prefix:
 *   GET  <prefix>/views/:id            the view to render: document, CSP, permissions, border preference
 *   POST <prefix>/views/:id/messages   one message from the view; the answer is the response to send back (or 202)
 *   GET  <prefix>/views/:id/events     host → view messages, as Server-Sent Events
 *   POST <prefix>/views/:id/close      tear the view down
 *   GET  <prefix>/tools                the model's tools (name, title, description, inputSchema, view)
 *   POST <prefix>/tools/call           { name, arguments }: a model tool call with its view ({ result, viewId })
 * Only the host page's own origin may call it (Origin checked), view ids are unguessable, bodies are capped.
 */
import { viewUriOf } from "./apps.js";
import type { AppHost } from "./host.js";
import type { ViewSession } from "./view.js";
import { BodyTooLargeError, readCappedText } from "../../internal/body.js";
import { sseComment, sseEvent } from "../../internal/sse.js";

export interface AppRelayOptions {
  /** Origins allowed to call the relay (the host page's). Requests with another Origin get 403. */
  allowedOrigins: string[];
  /** Largest message body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** What a renderer needs to show a view (GET .../views/:id). */
export interface ViewDescription {
  id: string;
  tool: string;
  uri: string;
  html: string;
  /** The view's declared domains as granted (what the sandbox builds its policy from), or null for the default policy. */
  csp: Record<string, string[]> | null;
  /** The policy itself, for display and audit. */
  policy: string;
  permissions?: Record<string, unknown>;
  allow: string;
  prefersBorder?: boolean;
}

export function describeView(view: ViewSession): ViewDescription {
  return {
    id: view.id,
    tool: view.tool.name,
    uri: view.uri,
    html: view.html,
    csp: view.cspDeclared ? (view.csp.granted as unknown as Record<string, string[]>) : null,
    policy: view.csp.policy,
    ...(view.permissions ? { permissions: view.permissions as Record<string, unknown> } : {}),
    allow: view.allow,
    ...(view.prefersBorder !== undefined ? { prefersBorder: view.prefersBorder } : {}),
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });

export class AppRelay {
  readonly #host: AppHost;
  readonly #options: AppRelayOptions;

  constructor(host: AppHost, options: AppRelayOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** fetch answers one relay request; anything that is not a relay route gets 404. */
  async fetch(request: Request): Promise<Response> {
    const origin = request.headers.get("origin");
    if (origin !== null && !this.#options.allowedOrigins.includes(origin))
      return json(403, { error: `origin ${origin} may not use this relay` });
    if (request.method === "POST" && origin === null) return json(403, { error: "a POST must carry the host page's Origin" });
    const path = new URL(request.url).pathname;
    const m = /\/views\/([0-9a-f-]{36})(\/messages|\/events|\/close)?$/.exec(path);
    if (m) {
      const view = this.#host.views.get(m[1]!);
      if (!view) return json(404, { error: "no such view (closed, or never opened)" });
      if (!m[2] && request.method === "GET") return json(200, describeView(view));
      if (m[2] === "/messages" && request.method === "POST") {
        const body = await this.#body(request);
        if (body instanceof Response) return body;
        const answer = await view.receive(body);
        return answer ? json(200, answer) : new Response(null, { status: 202 });
      }
      if (m[2] === "/events" && request.method === "GET") return this.#events(view, request.signal);
      if (m[2] === "/close" && request.method === "POST") {
        await this.#host.closeView(view.id);
        return json(200, {});
      }
      return json(405, { error: `${request.method} is not served here` });
    }
    if (path.endsWith("/tools") && request.method === "GET") {
      const tools = await this.#host.modelTools();
      return json(200, {
        tools: tools.map((t) => ({
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: t.inputSchema,
          view: viewUriOf(t),
        })),
      });
    }
    if (path.endsWith("/tools/call") && request.method === "POST") {
      const body = await this.#body(request);
      if (body instanceof Response) return body;
      const { name, arguments: args, toolCallId } = body as { name?: unknown; arguments?: unknown; toolCallId?: string };
      if (typeof name !== "string") return json(400, { error: 'a tool call needs a string "name"' });
      try {
        const { result, view } = await this.#host.callTool(name, (args ?? undefined) as Record<string, unknown> | undefined, {
          toolCallId,
        });
        return json(200, { result, ...(view ? { viewId: view.id } : {}) });
      } catch (err) {
        return json(400, { error: (err as Error).message });
      }
    }
    return json(404, { error: "not a relay route" });
  }

  async #body(request: Request): Promise<unknown | Response> {
    const max = this.#options.maxBodyBytes ?? 1024 * 1024;
    if (Number(request.headers.get("content-length") ?? 0) > max) return json(413, { error: `body over ${max} bytes` });
    let text: string;
    try {
      text = await readCappedText(request.body, max);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return json(413, { error: `body over ${max} bytes` });
      throw err;
    }
    try {
      return JSON.parse(text);
    } catch {
      return json(400, { error: "body must be JSON" });
    }
  }

  /** An SSE stream of what the host sends the view; one stream per view at a time (a new one replaces the old). */
  #events(view: ViewSession, signal: AbortSignal): Response {
    const encoder = new TextEncoder();
    let ping: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (m: unknown) => {
          try {
            controller.enqueue(encoder.encode(sseEvent(JSON.stringify(m))));
          } catch {
            // the stream is gone; the next subscriber takes over
          }
        };
        for (const m of view.drain()) send(m);
        view.onsend = send;
        controller.enqueue(encoder.encode(sseComment("connected")));
        ping = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(sseComment("keep-alive")));
          } catch {
            clearInterval(ping);
          }
        }, 25_000);
        signal.addEventListener("abort", () => {
          if (view.onsend === send) view.onsend = undefined;
          clearInterval(ping);
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel() {
        clearInterval(ping);
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
  }
}

/**
 * Rendering an MCP App view in a web page. mountView frames the sandbox proxy (a second
 * origin, whose HTTP header carries the view's CSP), hands it the view's document when it is ready, and carries
 * messages between the view and its host: a ViewSession in this page, or one on a server through its relay. Only
 * messages from that frame and the sandbox's origin are taken. The iframe follows the view's reported size.
 */
import type { ViewDescription } from "./relay.js";

type Message = Record<string, unknown>;

/** ViewConnection reaches the view's host: describe the view, pass it messages, and listen for the host's. */
export interface ViewConnection {
  describe(): Promise<ViewDescription>;
  post(message: Message): Promise<Message | undefined>;
  listen(deliver: (message: Message) => void): () => void;
  close(): Promise<void>;
}

/** The parts of a ViewSession a page-local connection uses (so this module needs none of the host's code). */
export interface LocalView {
  id: string;
  tool: { name: string };
  uri: string;
  html: string;
  cspDeclared: boolean;
  csp: { policy: string; granted: Record<string, string[]> };
  permissions?: Record<string, unknown>;
  allow: string;
  prefersBorder?: boolean;
  onsend?: (m: Message) => void;
  drain(): Message[];
  receive(m: unknown): Promise<Message | undefined>;
  teardown(timeoutMs?: number): Promise<void>;
}

/** localConnection connects to a ViewSession running in this page (an AppHost with a browser McpClient). */
export function localConnection(view: LocalView): ViewConnection {
  return {
    describe: async () => ({
      id: view.id,
      tool: view.tool.name,
      uri: view.uri,
      html: view.html,
      csp: view.cspDeclared ? view.csp.granted : null,
      policy: view.csp.policy,
      permissions: view.permissions,
      allow: view.allow,
      prefersBorder: view.prefersBorder,
    }),
    post: (m) => view.receive(m),
    listen(deliver) {
      for (const m of view.drain()) deliver(m);
      view.onsend = deliver;
      return () => {
        if (view.onsend === deliver) view.onsend = undefined;
      };
    },
    close: () => view.teardown(),
  };
}

/** relayConnection connects to a view whose host runs behind an AppRelay at `base` (such as "/apps"). */
export function relayConnection(base: string, viewId: string): ViewConnection {
  const at = `${base.replace(/\/+$/, "")}/views/${encodeURIComponent(viewId)}`;
  const call = async (path: string, init?: RequestInit) => {
    const res = await fetch(at + path, init);
    if (!res.ok && res.status !== 202) throw new Error(`relay ${path || "/"}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 202 ? undefined : ((await res.json()) as Message);
  };
  return {
    describe: async () => (await call("")) as unknown as ViewDescription,
    post: (m) => call("/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(m) }),
    listen(deliver) {
      const events = new EventSource(`${at}/events`);
      events.onmessage = (e) => {
        try {
          deliver(JSON.parse(e.data) as Message);
        } catch {
          // not JSON: ignored
        }
      };
      return () => events.close();
    },
    close: async () => void (await call("/close", { method: "POST" })),
  };
}

export interface MountOptions {
  connection: ViewConnection;
  /** The sandbox proxy page's URL, on an origin other than this page's. */
  sandboxUrl: string;
  /** Called with each size the view reports, after the iframe is resized. */
  onResize?(size: { width?: number; height?: number }): void;
}

export interface MountedView {
  iframe: HTMLIFrameElement;
  description: ViewDescription;
  /** close tears the view down (it may save its work first) and removes the frame. */
  close(): Promise<void>;
}

/** mountView renders a view into `container`. */
export async function mountView(container: HTMLElement, options: MountOptions): Promise<MountedView> {
  const { connection } = options;
  const description = await connection.describe();
  const sandbox = new URL(options.sandboxUrl, location.href);
  if (sandbox.origin === location.origin) throw new Error("mountView: the sandbox must be served from another origin than this page");
  if (description.csp) sandbox.searchParams.set("csp", JSON.stringify(description.csp));
  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
  if (description.allow) iframe.setAttribute("allow", description.allow);
  iframe.title = `${description.tool} view`;
  iframe.style.width = "100%";
  iframe.style.height = "120px";
  iframe.style.border = description.prefersBorder === false ? "0" : "1px solid #d0d7de";
  iframe.style.borderRadius = description.prefersBorder === false ? "0" : "8px";
  iframe.dataset.viewId = description.id;
  const target = sandbox.origin;
  const toView = (m: Message) => iframe.contentWindow?.postMessage(m, target);
  const onMessage = (e: MessageEvent) => {
    if (e.source !== iframe.contentWindow || e.origin !== target) return;
    const m = e.data as Message;
    if (typeof m !== "object" || m === null || m.jsonrpc !== "2.0") return;
    if (m.method === "ui/notifications/sandbox-proxy-ready") {
      toView({
        jsonrpc: "2.0",
        method: "ui/notifications/sandbox-resource-ready",
        params: {
          html: description.html,
          ...(description.csp ? { csp: description.csp } : {}),
          ...(description.permissions ? { permissions: description.permissions } : {}),
        },
      });
      return;
    }
    if (m.method === "ui/notifications/size-changed") {
      const p = (m.params ?? {}) as { width?: number; height?: number };
      if (typeof p.height === "number" && p.height > 0) iframe.style.height = `${Math.min(Math.ceil(p.height), 4000)}px`;
      options.onResize?.(p);
    }
    connection.post(m).then(
      (answer) => answer && toView(answer),
      (err: Error) => {
        if (typeof m.method === "string" && m.id !== undefined)
          toView({ jsonrpc: "2.0", id: m.id, error: { code: -32603, message: err.message } });
      },
    );
  };
  window.addEventListener("message", onMessage);
  const stop = connection.listen(toView);
  iframe.src = sandbox.href;
  container.appendChild(iframe);
  return {
    iframe,
    description,
    async close() {
      try {
        await connection.close();
      } finally {
        stop();
        window.removeEventListener("message", onMessage);
        iframe.remove();
      }
    },
  };
}

/**
 * The sandbox proxy (apps.mdx, "Sandbox proxy"): a page served from a second origin that the host page frames.
 * It tells the host it is ready, takes the view's document from the host, writes it into an inner iframe that
 * inherits this page's Content-Security-Policy (sent as an HTTP header, which a view cannot change), and passes
 * every other message between host and view — only from the host's origin and the inner frame, and never the
 * sandbox's own messages from the view. Trust model: the inner frame is same-origin with the proxy (the spec's
 * `allow-same-origin`, so views keep storage), hence a view could script the proxy page itself; what keeps the host
 * safe is that the host page answers the proxy only by sending the view's own document, and that views of one
 * sandbox origin share its storage — give each server its own sandbox origin when that matters.
 */
import type { UiCsp } from "./apps.js";
import { buildCsp } from "./csp.js";

/** sandboxProxyHtml is the proxy page; `hostOrigins` are the origins allowed to frame it (empty: any). */
export function sandboxProxyHtml(hostOrigins: string[]): string {
  const script = `(() => {
  const HOSTS = ${JSON.stringify(hostOrigins).replace(/</g, "\\u003c")};
  const say = (text) => { document.body.textContent = "sandbox proxy: " + text; };
  if (window.self === window.top) return say("open this page inside an MCP Apps host");
  let host;
  try { host = new URL(document.referrer).origin; } catch { host = undefined; }
  if (!host || (HOSTS.length > 0 && !HOSTS.includes(host))) return say("this host is not allowed to frame the sandbox");
  const own = location.origin;
  const inner = document.createElement("iframe");
  inner.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
  inner.setAttribute("title", "MCP App view");
  document.body.appendChild(inner);
  const internal = (d) => d && typeof d.method === "string" && d.method.startsWith("ui/notifications/sandbox-");
  let loaded = false;
  window.addEventListener("message", (e) => {
    const d = e.data;
    if (e.source === window.parent && e.origin === host) {
      if (d && d.method === "ui/notifications/sandbox-resource-ready") {
        if (loaded) return;
        loaded = true;
        const p = d.params || {};
        const doc = inner.contentDocument;
        doc.open();
        doc.write(String(p.html || ""));
        doc.close();
      } else if (!internal(d)) inner.contentWindow.postMessage(d, own);
    } else if (e.source === inner.contentWindow && e.origin === own && !internal(d)) {
      window.parent.postMessage(d, host);
    }
  });
  window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/sandbox-proxy-ready", params: {} }, host);
})();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>MCP Apps sandbox</title><style>html,body{margin:0;height:100%;overflow:hidden;background:transparent}iframe{border:0;width:100%;height:100%;display:block}</style></head><body><script>${script}</script></body></html>`;
}

/**
 * sandboxResponse answers a request for the proxy page: the policy comes from the `csp` query parameter (the view's
 * declared domains as JSON, checked and rebuilt here, so nothing looser can be asked for) or is the spec's default,
 * and `frame-ancestors` limits who may frame it.
 */
export function sandboxResponse(request: Request, hostOrigins: string[]): Response {
  const url = new URL(request.url);
  let declared: UiCsp | undefined;
  const raw = url.searchParams.get("csp");
  if (raw !== null) {
    try {
      declared = JSON.parse(raw) as UiCsp;
    } catch {
      return new Response("csp must be JSON", { status: 400, headers: { "content-type": "text/plain" } });
    }
  }
  const { policy } = buildCsp(declared, { frameAncestors: hostOrigins });
  return new Response(sandboxProxyHtml(hostOrigins), {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": policy,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}

/**
 * A small MCP Apps host to try views by hand: `npm run apps-host -- http://127.0.0.1:3000/mcp` connects to a
 * Streamable HTTP server, serves a page at the printed URL that lists the model's tools, calls one with the JSON
 * arguments you type, and renders its view in the sandbox (the relay and sandbox on loopback, two origins).
 * Links a view asks to open are printed here, not opened; messages and model context are printed too.
 */
import { McpClient, StreamableHttpClientTransport } from "trellis-mcp/client";
import { AppHost, appsClient } from "trellis-mcp/apps";
import { serveAppHost } from "trellis-mcp/apps/node";

const PAGE = (sandboxUrl: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Trellis Apps host</title>
<style>body{font:14px system-ui,sans-serif;margin:24px auto;max-width:760px;background:#f6f8fa;color:#1f2328}
.tool{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;margin:8px 0}
textarea{width:100%;font:12px ui-monospace,monospace;height:3em}pre{white-space:pre-wrap;background:#fff;padding:8px;border-radius:6px}</style></head>
<body><h2>Trellis MCP Apps host</h2><div id="tools"></div><pre id="out"></pre><div id="views"></div>
<script type="module">
import { mountView, relayConnection } from "/apps/trellis-apps.js";
const { tools } = await (await fetch("/apps/tools")).json();
for (const t of tools) {
  const el = document.createElement("div");
  el.className = "tool";
  el.innerHTML = "<b></b> <span></span><textarea>{}</textarea><button>Call</button>";
  el.querySelector("b").textContent = t.title || t.name;
  el.querySelector("span").textContent = (t.view ? "[view] " : "") + (t.description || "");
  el.querySelector("button").onclick = async () => {
    const r = await fetch("/apps/tools/call", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: t.name, arguments: JSON.parse(el.querySelector("textarea").value || "{}"), toolCallId: crypto.randomUUID() }) });
    const body = await r.json();
    document.getElementById("out").textContent = JSON.stringify(body.result ?? body, null, 2);
    if (body.viewId) await mountView(document.getElementById("views"), { connection: relayConnection("/apps", body.viewId), sandboxUrl: ${JSON.stringify(sandboxUrl)} });
  };
  document.getElementById("tools").append(el);
}
</script></body></html>`;

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url || !/^https?:\/\//.test(url)) throw new Error("usage: npm run apps-host -- <MCP server URL, such as http://127.0.0.1:3000/mcp>");
  const client = new McpClient({ name: "trellis-apps-host", version: "0.1.0" });
  client.use(appsClient());
  await client.connect(new StreamableHttpClientTransport(url));
  const host = new AppHost(client, {
    hostContext: { theme: "light", locale: "en" },
    onOpenLink: (link) => {
      process.stderr.write(`view asked to open ${link} (not opened)\n`);
      return false;
    },
    onMessage: (m) => void process.stderr.write(`view message: ${JSON.stringify(m.content)}\n`),
    onModelContext: (c) => process.stderr.write(`view model context: ${JSON.stringify(c)}\n`),
    onAudit: (a) => process.stderr.write(`view ${a.uri} for ${a.tool}: ${a.policy}\n`),
  });
  let sandboxUrl = "";
  const served = await serveAppHost(host, {
    port: Number(process.env.PORT ?? 0),
    page: (request) =>
      new URL(request.url).pathname === "/"
        ? new Response(PAGE(sandboxUrl), { headers: { "content-type": "text/html; charset=utf-8" } })
        : new Response("not found", { status: 404 }),
  });
  sandboxUrl = served.sandboxUrl;
  process.stderr.write(`trellis apps host listening on ${served.url} (sandbox ${served.sandboxUrl})\n`);
  const stop = () =>
    void served
      .close()
      .then(() => client.close())
      .then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

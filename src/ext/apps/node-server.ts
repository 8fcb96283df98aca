/**
 * Serving an AppHost to browser pages from Node. Two listeners on loopback: the host's (the
 * relay under /apps/, and the browser module at /apps/trellis-apps.js) and the sandbox's, on another port and
 * so another origin, as the spec requires. A page on the host origin renders views with mountView.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { AppHost } from "./host.js";
import { AppRelay } from "./relay.js";
import { serveWeb } from "../../internal/node-web.js";
import { sandboxResponse } from "./sandbox.js";

export interface ServeAppHostOptions {
  /** Port of the host listener (the page's origin). Default 0 (any free port). */
  port?: number;
  /** Port of the sandbox listener. Default 0. */
  sandboxPort?: number;
  /** Origins allowed to use the relay and frame the sandbox, besides the host listener's own. */
  allowedOrigins?: string[];
  /** Serves the host page (and anything else the application wants) for paths outside /apps/. */
  page?: (request: Request) => Response | Promise<Response>;
}

export interface AppHostServer {
  /** The host listener's origin, such as http://127.0.0.1:43121. */
  url: string;
  /** The sandbox proxy page's URL (another origin). */
  sandboxUrl: string;
  relay: AppRelay;
  close(): Promise<void>;
}

/** Where the built browser module is, from this file as tsc emits it (dist/src/ext/apps) or bundled (dist/bundle[/chunks]). */
const BROWSER_MODULE = ["../../../bundle/apps-browser.js", "./apps-browser.js", "../apps-browser.js"].map(
  (p) => new URL(p, import.meta.url),
);

/** serveAppHost starts the two loopback listeners for `host`. */
export async function serveAppHost(host: AppHost, options: ServeAppHostOptions = {}): Promise<AppHostServer> {
  const hostServer = createServer();
  const sandboxServer = createServer();
  await Promise.all([listen(hostServer, options.port ?? 0), listen(sandboxServer, options.sandboxPort ?? 0)]);
  const url = `http://127.0.0.1:${(hostServer.address() as { port: number }).port}`;
  const sandboxOrigin = `http://127.0.0.1:${(sandboxServer.address() as { port: number }).port}`;
  const origins = [url, ...(options.allowedOrigins ?? [])];
  const relay = new AppRelay(host, { allowedOrigins: origins });
  hostServer.on("request", (req, res) =>
    serve(req, res, url, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/apps/trellis-apps.js") return browserModule();
      if (path.startsWith("/apps/")) return relay.fetch(request);
      return options.page ? options.page(request) : new Response("not found", { status: 404 });
    }),
  );
  sandboxServer.on("request", (req, res) =>
    serve(req, res, sandboxOrigin, async (request) =>
      new URL(request.url).pathname === "/sandbox.html" ? sandboxResponse(request, origins) : new Response("not found", { status: 404 }),
    ),
  );
  return {
    url,
    sandboxUrl: `${sandboxOrigin}/sandbox.html`,
    relay,
    close: async () => {
      for (const s of [hostServer, sandboxServer]) s.closeAllConnections();
      await Promise.all([new Promise((r) => hostServer.close(r)), new Promise((r) => sandboxServer.close(r))]);
    },
  };
}

async function browserModule(): Promise<Response> {
  for (const url of BROWSER_MODULE) {
    const code = await readFile(fileURLToPath(url)).catch(() => undefined);
    if (code) return new Response(code, { headers: { "content-type": "text/javascript; charset=utf-8" } });
  }
  return new Response("the browser module is not built (npm run build)", { status: 500 });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

/** serve runs a web-standard handler for one Node request, streaming the response (SSE included). */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  handle: (r: Request) => Response | Promise<Response>,
): Promise<void> {
  // DNS rebinding: a page on another name resolving to 127.0.0.1 is same-origin with itself, not with us.
  const port = new URL(origin).port;
  if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
    res.writeHead(421, { "content-type": "text/plain" }).end(`this listener answers to 127.0.0.1:${port} only`);
    return;
  }
  return serveWeb(req, res, origin, handle);
}

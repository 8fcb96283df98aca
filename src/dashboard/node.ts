/**
 * serveDashboard: the dashboard on a node:http listener bound to loopback, for `trellis inspect` and for an
 * application that wants it on a port of its own. `url` carries the token: it is the address to open.
 */
import { createServer, type Server } from "node:http";
import { sandboxResponse } from "../ext/apps/sandbox.js";
import type { AddressInfo } from "node:net";
import { serveWeb } from "../internal/node-web.js";
import { Dashboard, type DashboardOptions } from "./dashboard.js";

export interface ServeDashboardOptions extends DashboardOptions {
  /** Port; 0 (the default) picks a free one. */
  port?: number;
}

export interface DashboardHandle {
  dashboard: Dashboard;
  /** The address to open, token included. */
  url: string;
  close(): Promise<void>;
}

export async function serveDashboard(options: ServeDashboardOptions = {}): Promise<DashboardHandle> {
  let dashboard: Dashboard | undefined;
  let origin = "";
  let sandboxOrigin = "";
  const server = createServer((req, res) => {
    if (dashboard) void serveWeb(req, res, origin, dashboard.fetch);
    else res.writeHead(503).end();
  });
  // MCP Apps views render in a sandbox proxy served from a second origin (another port), as the spec requires.
  const sandbox = createServer(
    (req, res) =>
      void serveWeb(req, res, sandboxOrigin, (request) =>
        new URL(request.url).pathname === "/sandbox.html" ? sandboxResponse(request, [origin]) : new Response("not found", { status: 404 }),
      ),
  );
  const listen = (s: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(server, options.port ?? 0);
  origin = `http://127.0.0.1:${port}`;
  sandboxOrigin = `http://127.0.0.1:${await listen(sandbox, 0)}`;
  dashboard = new Dashboard({ ...options, apps: options.apps ?? { origin, sandboxUrl: `${sandboxOrigin}/sandbox.html` } });
  return {
    dashboard,
    url: `${origin}/?token=${dashboard.token}`,
    close: async () => {
      await dashboard!.close();
      for (const s of [server, sandbox]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}

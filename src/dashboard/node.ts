/**
 * serveDashboard: the dashboard on a node:http listener bound to loopback, for `trellis inspect` and for an
 * application that wants it on a port of its own. `url` carries the token: it is the address to open.
 */
import { createServer } from "node:http";
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
  const dashboard = new Dashboard(options);
  let origin = "";
  const server = createServer((req, res) => void serveWeb(req, res, origin, dashboard.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    dashboard,
    url: `${origin}/?token=${dashboard.token}`,
    close: async () => {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

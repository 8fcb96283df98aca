/**
 * loopbackRedirect: the redirect step for a command-line or desktop client (RFC 8252 section 7.3). It listens
 * on 127.0.0.1, gives the redirect URI to register, and its `authorize(url)` shows the authorization URL
 * (through your `open`, which typically launches a browser) and waits for the browser to come back.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TrellisError } from "../../protocol/errors.js";

export interface LoopbackRedirectOptions {
  /** Port to listen on; 0 picks a free one. Use a fixed port when registrations are kept between runs. */
  port?: number;
  /** Callback path. Default "/callback". */
  path?: string;
  /** Shows the authorization URL to the user. Default: prints it on stderr. */
  open?: (url: URL) => void | Promise<void>;
  /** How long to wait for the browser, in ms. Default 5 minutes. */
  timeoutMs?: number;
}

export interface LoopbackRedirect {
  redirectUri: string;
  authorize(url: URL): Promise<string>;
  close(): Promise<void>;
}

export async function loopbackRedirect(options: LoopbackRedirectOptions = {}): Promise<LoopbackRedirect> {
  const path = options.path ?? "/callback";
  let waiting: { state: string | null; resolve: (url: string) => void } | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== path || !waiting || url.searchParams.get("state") !== waiting.state) {
      res.writeHead(404, { "content-type": "text/plain" }).end("No authorization is waiting for this answer.");
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end("<!doctype html><title>Signed in</title><p>You can close this window and return to the application.</p>");
    const w = waiting;
    waiting = undefined;
    w.resolve(`${redirectUri}${url.search}`);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return {
    redirectUri,
    async authorize(url) {
      const back = new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => {
          waiting = undefined;
          reject(
            new TrellisError(
              "REQUEST_TIMEOUT",
              `nobody completed the authorization within ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s`,
            ),
          );
        }, options.timeoutMs ?? 300_000);
        waiting = {
          state: url.searchParams.get("state"),
          resolve: (u) => {
            clearTimeout(t);
            resolve(u);
          },
        };
      });
      await (options.open ?? ((u: URL) => void process.stderr.write(`Open this URL to sign in:\n${u.href}\n`)))(url);
      return back;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

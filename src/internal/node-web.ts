/**
 * serveWeb runs a web-standard handler (Request → Response) for one node:http request: the body read under a
 * cap, the response streamed (SSE included) until it ends or the client leaves. The seam that lets web-standard
 * parts (the authorization server, the Apps relay) sit behind Node listeners.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export async function serveWeb(
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  handle: (r: Request) => Response | Promise<Response>,
  maxBodyBytes = 2 * 1024 * 1024,
): Promise<void> {
  // A target like "//other-host/path" would be read as another host's URL: only a plain path is served.
  if (!req.url?.startsWith("/") || req.url.startsWith("//")) {
    res.writeHead(400, { "content-type": "text/plain" }).end("bad request: the target must be a path");
    return;
  }
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    if (hasBody) {
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > maxBodyBytes) {
          res.writeHead(413, { connection: "close", "content-type": "text/plain" }).end("body too large");
          req.destroy();
          return;
        }
        chunks.push(c as Buffer);
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const request = new Request(`${origin}${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
      signal: abort.signal,
    });
    const response = await handle(request);
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((v, k) => {
      if (k !== "set-cookie") out[k] = v;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out["set-cookie"] = cookies;
    res.writeHead(response.status, out);
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(`internal error: ${(err as Error).message}`);
  }
}

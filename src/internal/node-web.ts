/**
 * serveWeb runs a web-standard handler (Request → Response) for one node:http request: the body read under a
 * cap, the response streamed (SSE included) until it ends or the client leaves. The seam that lets web-standard
 * parts (the authorization server, the Apps relay) sit behind Node listeners.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { lingerAfter } from "./linger.js";
import { BodyTooLargeError } from "./body.js";

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
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const body = hasBody
      ? await readNodeBody(req, maxBodyBytes).catch((e: unknown) => {
          if (e instanceof BodyTooLargeError) return undefined;
          throw e;
        })
      : undefined;
    if (hasBody && body === undefined) {
      // The rest is not read: answer, then close without losing the answer (linger.ts).
      lingerAfter(res);
      res.writeHead(413, { connection: "close", "content-type": "text/plain" }).end("body too large");
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const request = new Request(`${origin}${req.url}`, {
      method: req.method,
      headers,
      body: body as Uint8Array<ArrayBuffer> | undefined,
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

/**
 * readNodeBody reads a node:http request body, at most `limit` bytes: past it, it rejects with BodyTooLargeError
 * and reads no more (the request is paused, the socket kept, so that the 413 goes out with a lingering close:
 * linger.ts). The twin of body.ts's readCapped for IncomingMessage, kept apart so the Node hot path makes no web
 * stream. `text` decodes UTF-8 in the same step.
 */
export function readNodeBody(req: IncomingMessage, limit: number, text: true): Promise<string>;
export function readNodeBody(req: IncomingMessage, limit: number, text?: false): Promise<Buffer>;
export function readNodeBody(req: IncomingMessage, limit: number, text = false): Promise<Buffer | string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limit));
      } else chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve(text ? all.toString("utf8") : all);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onError);
  });
}

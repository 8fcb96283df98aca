/**
 * The one capped body reader (web streams): every request body a Trellis server reads and every answer its HTTP
 * peers get is read through it, so that no endpoint reads an unbounded body — a `Content-Length` can be absent
 * (chunked) or lie, and `request.text()` would hold whatever arrives. Past the limit the stream is cancelled (the
 * rest is never read) and BodyTooLargeError thrown. Runs anywhere; node:http's IncomingMessage has its twin in
 * node-web.ts (readNodeBody), kept separate so the Node hot path makes no web stream.
 */

/** BodyTooLargeError: a body past the limit; an HTTP server answers 413 and stops reading. */
export class BodyTooLargeError extends Error {
  readonly code = "BODY_TOO_LARGE";
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
  }
}

export interface ReadCappedOptions {
  /** Ends the wait (each read races it); the stream is cancelled. */
  signal?: AbortSignal;
  /** The error to throw past the limit, instead of BodyTooLargeError (a client names the peer, say). */
  tooLarge?: () => Error;
  /** Past the limit, keep the first `limit` bytes and stop reading instead of throwing (an error page to quote). */
  truncate?: boolean;
}

/** readCapped reads `body` to its end, at most `limit` bytes. */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
  options: ReadCappedOptions = {},
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await (options.signal ? race(reader.read(), options.signal) : reader.read());
      if (done) break;
      if (size + value.byteLength > limit) {
        if (!options.truncate) throw options.tooLarge?.() ?? new BodyTooLargeError(limit);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        await reader.cancel().catch(() => {});
        break;
      }
      size += value.byteLength;
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** readCappedText is readCapped decoded as UTF-8. */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
  options?: ReadCappedOptions,
): Promise<string> {
  return new TextDecoder().decode(await readCapped(body, limit, options));
}

/** race settles with `p`, or rejects with the signal's reason once it aborts (for a fetch or stream that ignores signals). */
export function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

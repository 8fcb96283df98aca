/**
 * Ending a connection whose request body was not read to the end (a 413) without losing the answer. Closing a
 * socket with the client's data still unread makes the kernel send a reset, which can destroy the answer before the
 * client reads it: a client that reads only once it has sent its whole body (or whose upload outlasts a short grace)
 * sees a broken connection instead of "413 body too large". So, as servers with a "lingering close" do, the answer
 * goes out, the write side is shut (FIN), and what the client still sends is read and thrown away until it stops —
 * bounded in time and bytes, so that a client cannot hold the connection or the CPU for long — and only then is the
 * socket destroyed.
 *
 * node:http closes a `connection: close` response's socket itself once the answer is written (`destroySoon`: end,
 * then destroy at once, unread data or not). That call is taken over on this one socket; where a Node version closes
 * another way, the lingering starts when the answer is finished instead.
 */
import type { ServerResponse } from "node:http";

export interface LingerLimits {
  /** The longest a connection lingers in all. Default 10 s. */
  maxMs?: number;
  /** The longest it waits for the client to send more. Default 2 s. */
  idleMs?: number;
  /** The most bytes thrown away. Default 256 MiB (an upload of this size still gets its answer). */
  maxBytes?: number;
}

/**
 * lingerAfter makes the connection of `res` close gracefully once its answer is written. Call it before writing the
 * answer, which must say `connection: close`.
 */
export function lingerAfter(res: ServerResponse, limits: LingerLimits = {}): void {
  const req = res.req;
  const socket = req.socket;
  const maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
  let discarded = 0;
  let timers: { whole: NodeJS.Timeout; idle: NodeJS.Timeout } | undefined;
  const done = () => {
    if (timers) {
      clearTimeout(timers.whole);
      clearTimeout(timers.idle);
    }
    req.off("data", onData);
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) return done();
    timers?.idle.refresh();
  };
  // Read from now on, before the answer is written: a request nobody consumes is dumped by node:http when the answer
  // finishes, and a dumped body raises no events, so the lingering could not tell a client still sending from one gone.
  req.on("data", onData);
  req.resume();
  let started = false;
  const start = () => {
    if (started || socket.destroyed) return;
    started = true;
    timers = { whole: setTimeout(done, limits.maxMs ?? 10_000), idle: setTimeout(done, limits.idleMs ?? 2_000) };
    timers.whole.unref();
    timers.idle.unref();
    // The whole declared body arrived: nothing more will come, so nothing unread is left to cause a reset.
    if (req.complete) return done();
    req.once("end", done);
    socket.once("close", done);
    socket.end();
  };
  (socket as { destroySoon?: () => void }).destroySoon = start;
  res.once("finish", start);
}

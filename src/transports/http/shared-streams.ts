/**
 * Reading shared SSE streams (scale-out, stores/cluster.ts): a client that resumes with Last-Event-ID on a node
 * other than the one writing the stream, and the session's standalone GET stream, which every node writes. Both
 * start watching before they read the log, so nothing appended in between is lost, and skip what they already
 * wrote, so nothing is written twice. A request stream whose writer died is ended with an error for its request,
 * so that the client's request fails clearly instead of waiting forever.
 */
import { ErrorCode } from "../../protocol/errors.js";
import type { Cluster, ClusterEvent } from "../../stores/cluster.js";
import { formatEvent, SseChannel } from "./sse.js";

/** The id of a session's standalone stream when it is shared: every node names it alike. */
export const standaloneStreamId = (sessionId: string): string => `g${sessionId}`;

export interface SharedReadOptions {
  /** How often to check that a request stream's writer is still alive. */
  checkWriterMs: number;
  /** retry: for the priming event of a standalone stream, when the client understands one. */
  primeRetryMs?: number;
  onerror?: (e: Error) => void;
}

/**
 * readShared serves a shared stream from `afterSeq` on: its log, then live until it ends (request streams) or
 * the client leaves. Undefined when the stream is unknown or belongs to another session.
 */
export async function readShared(
  cluster: Cluster,
  sessionId: string,
  streamId: string,
  afterSeq: number,
  options: SharedReadOptions,
): Promise<SseChannel | undefined> {
  const standalone = streamId === standaloneStreamId(sessionId);
  const sink = new SseChannel();
  const reader = crypto.randomUUID();
  let last = afterSeq;
  let buffered: ClusterEvent[] | undefined = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const report = (e: unknown) => options.onerror?.(e as Error);

  const write = (e: ClusterEvent) => {
    if (sink.ended) return;
    if (e.seq === -1) {
      // The backend reconnected and live events may have been missed: read the log again from where this stopped.
      void cluster
        .read(sessionId, streamId, last)
        .then((s) => {
          for (const x of s?.events ?? []) write(x);
          if (s?.ended) sink.end();
        })
        .catch(report);
      return;
    }
    if (e.seq === 0) {
      // Another reader took the standalone stream (a newer GET): a message goes out on one stream only.
      if (standalone && e.data !== reader) sink.end();
      return;
    }
    if (e.seq <= last) return;
    if (e.data === "") return sink.end();
    last = e.seq;
    sink.write(formatEvent(`${streamId}_${e.seq}`, e.data));
    if (standalone) cluster.delivered(sessionId, streamId, e.seq).catch(report);
  };
  const unwatch = await cluster.watch(streamId, (e) => (buffered ? buffered.push(e) : write(e)));
  sink.onend = () => {
    if (timer) clearInterval(timer);
    unwatch().catch(report);
  };
  try {
    if (standalone) await cluster.claim(streamId, reader);
    let state = await cluster.read(sessionId, streamId, afterSeq);
    if (!state && standalone) state = { events: [], ended: false, delivered: afterSeq };
    if (!state) {
      sink.end();
      return undefined;
    }
    if (standalone && afterSeq < 0) {
      // A fresh GET picks up where the last reader stopped: what was sent while no stream was open.
      last = state.delivered;
    }
    if (standalone && options.primeRetryMs !== undefined)
      sink.write(formatEvent(`${streamId}_${Math.max(0, last)}`, "", options.primeRetryMs));
    for (const e of state.events) write(e);
    const pending = buffered;
    buffered = undefined;
    for (const e of pending) write(e);
    if (state.ended) sink.end();
    else if (!standalone && state.writer !== undefined) watchWriter(state.writer, state.requestId);
  } catch (e) {
    sink.end();
    throw e;
  }
  return sink;

  function watchWriter(writer: string, requestId: string | number | undefined) {
    const check = async () => {
      if (sink.ended || (await cluster.alive(writer))) return;
      // Read once more: the writer may have finished just before it went.
      const tail = await cluster.read(sessionId, streamId, last);
      for (const e of tail?.events ?? []) write(e);
      if (sink.ended || tail?.ended) return sink.end();
      if (requestId !== undefined) {
        const error = {
          jsonrpc: "2.0",
          id: requestId,
          error: {
            code: ErrorCode.InternalError,
            message: "the server node handling this request stopped before answering; send the request again",
          },
        };
        sink.write(formatEvent(`${streamId}_${last + 1}`, JSON.stringify(error)));
      }
      sink.end();
    };
    timer = setInterval(() => void check().catch(report), options.checkWriterMs);
    timer.unref?.();
    void check().catch(report);
  }
}

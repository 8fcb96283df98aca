/**
 * tapTransport: a transport that lets an observer see every message both ways, unchanged — for a protocol view
 * (the dashboard), progress a command waits for (the CLI), or logging. The observer must not throw or block.
 */
import type { Transport, TransportEvents } from "../jsonrpc/transport.js";

/** tapTransport wraps a transport so that `tap` sees every message, both ways, unchanged. */
export function tapTransport(inner: Transport, tap: (direction: "in" | "out", message: unknown) => void): Transport {
  return {
    get sessionId() {
      return inner.sessionId;
    },
    get answersEveryRequest() {
      return inner.answersEveryRequest;
    },
    start(events: TransportEvents) {
      inner.start({
        ...events,
        message: (m, extra) => {
          tap("in", m);
          events.message(m, extra);
        },
      });
    },
    send(message, options) {
      tap("out", message);
      inner.send(message, options);
    },
    close: () => inner.close(),
    settle: inner.settle?.bind(inner),
  };
}

/**
 * The Transport contract (jsonrpc/transport.ts), run by every transport that comes in pairs: start once, messages
 * arrive whole and in order, send never throws for a peer's fault and is dropped after close, close is idempotent
 * and reports once, and a JSON-RPC session works over it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Transport, TransportEvents } from "../../src/jsonrpc/transport.js";
import { Session } from "../../src/jsonrpc/session.js";
import { CLIENT_REQUESTS, NOTIFICATIONS, SERVER_REQUESTS } from "../../src/protocol/methods.js";
import type { JsonRpcMessage } from "../../src/protocol/types.js";
import { waitFor } from "../helpers.js";

/** A connected pair and how to tear it down. */
export interface TransportPair {
  a: Transport;
  b: Transport;
  dispose?(): Promise<void> | void;
}

function recorder() {
  const got: unknown[] = [];
  let closed = 0;
  const errors: Error[] = [];
  const events: TransportEvents = {
    message: (m) => void got.push(m),
    parseError: () => {},
    close: () => void closed++,
    error: (e) => void errors.push(e),
  };
  return { events, got, errors, closes: () => closed };
}

export function transportContract(name: string, makePair: () => Promise<TransportPair> | TransportPair) {
  test(`${name}: messages arrive whole and in order, both ways`, async () => {
    const { a, b, dispose } = await makePair();
    const ra = recorder();
    const rb = recorder();
    a.start(ra.events);
    b.start(rb.events);
    const sent: JsonRpcMessage[] = Array.from({ length: 50 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "ping",
      params: { text: 'é\n"x"'.repeat(i % 5) },
    }));
    for (const m of sent) a.send(m);
    b.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await waitFor(() => rb.got.length === 50 && ra.got.length === 1);
    assert.deepEqual(rb.got, sent);
    assert.deepEqual(ra.got, [{ jsonrpc: "2.0", method: "notifications/initialized" }]);
    await a.close();
    await b.close();
    await dispose?.();
  });

  test(`${name}: close is idempotent and reports once; send after close is dropped, not thrown`, async () => {
    const { a, b, dispose } = await makePair();
    const ra = recorder();
    const rb = recorder();
    a.start(ra.events);
    b.start(rb.events);
    await a.close();
    await a.close();
    await waitFor(() => ra.closes() === 1);
    assert.doesNotThrow(() => a.send({ jsonrpc: "2.0", method: "x" }));
    await b.close();
    await waitFor(() => rb.closes() === 1);
    assert.equal(ra.closes(), 1);
    assert.equal(rb.closes(), 1);
    await dispose?.();
  });

  test(`${name}: a JSON-RPC session works over it`, async () => {
    const { a, b, dispose } = await makePair();
    const server = new Session(a, {
      incoming: CLIENT_REQUESTS,
      outgoing: SERVER_REQUESTS,
      notifications: NOTIFICATIONS,
      handlers: new Map([["tools/list", () => ({ tools: [] })]]),
    });
    const client = new Session(b, { incoming: SERVER_REQUESTS, outgoing: CLIENT_REQUESTS, notifications: NOTIFICATIONS });
    assert.deepEqual(await client.request("tools/list"), { tools: [] });
    assert.deepEqual(await client.request("ping"), {});
    await client.close();
    await server.close();
    await dispose?.();
  });
}

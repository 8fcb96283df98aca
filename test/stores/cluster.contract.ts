/**
 * The Cluster contract (src/stores/cluster.ts): every backend runs this suite with a factory that makes two nodes
 * of one cluster (two processes on one Redis, or two MemoryClusters of one hub).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cluster, ClusterEvent, ClusterMessage } from "../../src/stores/cluster.js";
import { waitFor } from "../helpers.js";

export function clusterContract(name: string, makePair: () => Promise<[Cluster, Cluster]>) {
  const withPair = async (body: (a: Cluster, b: Cluster) => Promise<void>) => {
    const [a, b] = await makePair();
    try {
      await body(a, b);
    } finally {
      await a.leave();
      await b.leave();
    }
  };
  const id = () => crypto.randomUUID().replace(/-/g, "");

  test(`${name}: send reaches one node's inbox, broadcast every node's; alive follows join and leave`, () =>
    withPair(async (a, b) => {
      const inA: ClusterMessage[] = [];
      const inB: ClusterMessage[] = [];
      await a.join((m) => inA.push(m));
      await b.join((m) => inB.push(m));
      assert.notEqual(a.nodeId, b.nodeId);
      assert.equal(await a.alive(b.nodeId), true);
      await a.send(b.nodeId, { type: "direct", n: 1 });
      await b.broadcast({ type: "all" });
      await waitFor(() => inB.length === 2 && inA.length === 1);
      assert.deepEqual(inB, [{ type: "direct", n: 1 }, { type: "all" }]);
      assert.deepEqual(inA, [{ type: "all" }]);
      await b.leave();
      assert.equal(await a.alive(b.nodeId), false);
      assert.equal(await a.alive("no-such-node"), false);
    }));

  test(`${name}: a writer's events are read and watched in order, from any node, until the end marker`, () =>
    withPair(async (a, b) => {
      const stream = id();
      const seen: ClusterEvent[] = [];
      const stop = await b.watch(stream, (e) => seen.push(e));
      await a.open("s1", stream, { writer: a.nodeId, requestId: 7 });
      for (let seq = 1; seq <= 3; seq++) await a.append("s1", stream, `{"n":${seq}}`, { seq });
      const state = (await b.read("s1", stream, 1))!;
      assert.deepEqual(
        state.events.map((e) => e.seq),
        [2, 3],
      );
      assert.equal(state.ended, false);
      assert.equal(state.writer, a.nodeId);
      assert.equal(state.requestId, 7);
      await a.append("s1", stream, "", { seq: 4 });
      assert.equal((await b.read("s1", stream, 0))!.ended, true);
      assert.equal((await b.read("s1", stream, 0))!.events.length, 3, "the end marker is not an event");
      await waitFor(() => seen.length === 4);
      assert.deepEqual(
        seen.map((e) => e.seq),
        [1, 2, 3, 4],
      );
      assert.equal(seen[3]!.data, "");
      await stop();
    }));

  test(`${name}: streams are scoped by session; unknown streams read as undefined`, () =>
    withPair(async (a, b) => {
      const stream = id();
      await a.append("owner", stream, "{}", { seq: 1 });
      assert.equal(await b.read("intruder", stream, 0), undefined);
      assert.equal(await b.read("owner", id(), 0), undefined);
      assert.equal(await b.append("intruder", stream, "{}"), undefined, "another session cannot write into the stream");
    }));

  test(`${name}: without seq the log numbers appends from every node; a repeated once key is skipped`, () =>
    withPair(async (a, b) => {
      const stream = id();
      const seqs = (await Promise.all([a.append("s", stream, "1"), b.append("s", stream, "2"), a.append("s", stream, "3")])) as number[];
      assert.equal(new Set(seqs).size, 3);
      const noticed = await a.append("s", stream, "x", { once: "notice-1" });
      assert.ok(noticed! > Math.max(...seqs));
      assert.equal(await b.append("s", stream, "x", { once: "notice-1" }), undefined);
      assert.ok((await b.append("other-session", id(), "x", { once: "notice-1" })) !== undefined, "once keys are per session");
      const events = (await a.read("s", stream, 0))!.events;
      assert.equal(events.length, 4);
      assert.deepEqual(
        events.map((e) => e.seq),
        [...events.map((e) => e.seq)].sort((x, y) => x - y),
        "read in the order of appends",
      );
      assert.ok(
        (await a.read("s", stream, 0))!.events.every((e) => Number.isSafeInteger(e.seq)),
        "numbers stay exact in JavaScript",
      );
    }));

  test(`${name}: claim tells watchers about a new reader; delivered is kept per stream`, () =>
    withPair(async (a, b) => {
      const stream = id();
      const seen: ClusterEvent[] = [];
      const stop = await a.watch(stream, (e) => seen.push(e));
      await b.claim(stream, "reader-2");
      await waitFor(() => seen.length === 1);
      assert.deepEqual(seen[0], { seq: 0, data: "reader-2" });
      await a.append("s", stream, "{}");
      await a.append("s", stream, "{}");
      await b.delivered("s", stream, 2);
      assert.equal((await a.read("s", stream, 0))!.delivered, 2);
      await b.delivered("intruder", stream, 9);
      assert.equal((await a.read("s", stream, 0))!.delivered, 2);
      await stop();
    }));

  test(`${name}: deleteSession forgets the session's streams`, () =>
    withPair(async (a, b) => {
      const s1 = id();
      const s2 = id();
      await a.append("gone", s1, "{}");
      await a.append("kept", s2, "{}");
      await b.deleteSession("gone");
      assert.equal(await a.read("gone", s1, 0), undefined);
      assert.equal((await a.read("kept", s2, 0))!.events.length, 1);
    }));
}

/**
 * RedisCluster: the Cluster seam on Redis. Messages between nodes are pub/sub (an inbox channel per node, one
 * channel for all); shared streams are Redis Streams whose appends run as one Lua script — check the session,
 * skip a repeated `once` key, number the event, XADD, PUBLISH — so that watchers hear events in exactly the order
 * the log holds them, whichever node appended. Heartbeats are keys that expire after three beats.
 */
import type { Redis } from "ioredis";
import {
  type AppendOptions,
  type Cluster,
  type ClusterEvent,
  type ClusterMessage,
  DEFAULT_HEARTBEAT_MS,
  newNodeId,
  type SharedStream,
} from "../cluster.js";
import { DEFAULT_EVENT_RETENTION_MS } from "../event-store.js";
import { connect, luaScript, ready } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

// KEYS: log, meta, session index, once key. ARGV: data, seq ("" = next), channel, retention, session, stream, once ("1"),
// how long a once key is kept (a notice reaches every node within moments; keeping keys longer only costs memory),
// the writer and the request id (JSON) of a request stream ("" for none), the most events kept.
// A log numbers its events from Redis's clock (microseconds), so that numbers keep rising even after a quiet
// stream expired and started again: a reader that saw event 57 is never handed a new event 3.
const APPEND = `
local owner = redis.call('HGET', KEYS[2], 's')
if owner and owner ~= ARGV[5] then return -2 end
if ARGV[7] == '1' then
  if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[8]) then return -1 end
end
local last = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
local seq
if ARGV[2] == '' then
  local t = redis.call('TIME')
  seq = math.max(last + 1, tonumber(t[1]) * 1000000 + tonumber(t[2]))
else
  seq = tonumber(ARGV[2])
  if seq <= last then return -3 end
end
redis.call('HSET', KEYS[2], 'n', string.format('%.0f', seq))
if not owner then redis.call('HSET', KEYS[2], 's', ARGV[5]) end
if ARGV[9] ~= '' then redis.call('HSETNX', KEYS[2], 'w', ARGV[9]) end
if ARGV[10] ~= '' then redis.call('HSETNX', KEYS[2], 'r', ARGV[10]) end
if ARGV[1] == '' then redis.call('HSET', KEYS[2], 'e', '1') end
local id = string.format('%.0f', seq) .. '-1'
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[11], id, 'm', ARGV[1])
redis.call('PUBLISH', ARGV[3], string.format('%.0f', seq) .. ' ' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return string.format('%.0f', seq)
`;

const append = luaScript(APPEND);
const markDelivered = luaScript(
  "if redis.call('HGET', KEYS[1], 's') == ARGV[1] and tonumber(redis.call('HGET', KEYS[1], 'd') or '0') < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'd', ARGV[2]) end",
);

/** The most events a shared stream keeps (the oldest go first), and the most one read returns. */
const MAX_EVENTS = 10_000;

type Listener = (event: ClusterEvent) => void;

/** How long a `once` key is remembered. */
const ONCE_TTL_MS = 60_000;

export interface RedisClusterOptions extends RedisStoreOptions {
  /** How long shared streams are kept after their last event. Default 15 minutes. */
  retentionMs?: number;
  /** How often this node beats; it counts as dead after three silent beats. Default 1000 ms. */
  heartbeatMs?: number;
}

export class RedisCluster implements Cluster {
  readonly nodeId = newNodeId();
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #retention: number;
  readonly #heartbeatMs: number;
  readonly #listeners = new Map<string, { set: Set<Listener>; subscribed: Promise<unknown> }>();
  #subscribedOnce = false;
  #inbox?: (m: ClusterMessage) => void;
  #beat?: ReturnType<typeof setInterval>;

  constructor(options: RedisClusterOptions = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#prefix = c.prefix;
    this.#retention = options.retentionMs ?? DEFAULT_EVENT_RETENTION_MS;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#sub = this.#redis.duplicate();
    this.#sub.on("error", () => {});
    this.#sub.on("message", (channel: string, text: string) => this.#message(channel, text));
    // Messages published while the subscriber was reconnecting are lost: readers read the log again (seq -1).
    this.#sub.on("ready", () => {
      if (!this.#subscribedOnce) return;
      for (const { set } of this.#listeners.values()) for (const l of set) l({ seq: -1, data: "" });
    });
  }

  get available(): boolean {
    return this.#redis.status === "ready" && this.#sub.status === "ready";
  }

  #channel(kind: "inbox" | "all" | "stream", id = ""): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  #message(channel: string, text: string): void {
    if (channel === this.#channel("inbox", this.nodeId) || channel === this.#channel("all")) {
      let m: ClusterMessage;
      try {
        m = JSON.parse(text) as ClusterMessage;
      } catch {
        return;
      }
      this.#inbox?.(m);
      return;
    }
    const set = this.#listeners.get(channel)?.set;
    if (!set) return;
    const cut = text.indexOf(" ");
    const event = { seq: Number(text.slice(0, cut)), data: text.slice(cut + 1) };
    for (const l of set) l(event);
  }

  async join(inbox: (message: ClusterMessage) => void): Promise<void> {
    this.#inbox = inbox;
    await Promise.all([ready(this.#redis), ready(this.#sub)]);
    await this.#sub.subscribe(this.#channel("inbox", this.nodeId), this.#channel("all"));
    this.#subscribedOnce = true;
    const beat = () => this.#redis.set(`${this.#prefix}node:${this.nodeId}`, "1", "PX", this.#heartbeatMs * 3).catch(() => {});
    await beat();
    this.#beat = setInterval(beat, this.#heartbeatMs);
    this.#beat.unref?.();
  }

  async send(nodeId: string, message: ClusterMessage): Promise<void> {
    await ready(this.#redis);
    await this.#redis.publish(this.#channel("inbox", nodeId), JSON.stringify(message));
  }

  async broadcast(message: ClusterMessage): Promise<void> {
    await ready(this.#redis);
    await this.#redis.publish(this.#channel("all"), JSON.stringify(message));
  }

  async alive(nodeId: string): Promise<boolean> {
    await ready(this.#redis);
    return (await this.#redis.exists(`${this.#prefix}node:${nodeId}`)) === 1;
  }

  #keys(sessionId: string, streamId: string) {
    const log = `${this.#prefix}shared:${streamId}`;
    return { log, meta: `${log}:meta`, index: `${this.#prefix}shared-streams:${sessionId}` };
  }

  async open(sessionId: string, streamId: string, meta: { writer: string; requestId: string | number }): Promise<void> {
    await ready(this.#redis);
    const k = this.#keys(sessionId, streamId);
    await this.#redis
      .multi()
      .hset(k.meta, "s", sessionId, "w", meta.writer, "r", JSON.stringify(meta.requestId))
      .pexpire(k.meta, this.#retention)
      .sadd(k.index, streamId)
      .pexpire(k.index, this.#retention)
      .exec();
  }

  async append(sessionId: string, streamId: string, data: string, options: AppendOptions = {}): Promise<number | undefined> {
    await ready(this.#redis);
    const k = this.#keys(sessionId, streamId);
    const once = `${this.#prefix}once:${sessionId}:${options.once ?? ""}`;
    const seq = (await append(
      this.#redis,
      [k.log, k.meta, k.index, once],
      [
        data,
        options.seq === undefined ? "" : String(options.seq),
        this.#channel("stream", streamId),
        String(this.#retention),
        sessionId,
        streamId,
        options.once === undefined ? "0" : "1",
        String(Math.min(this.#retention, ONCE_TTL_MS)),
        options.writer ?? "",
        options.requestId === undefined ? "" : JSON.stringify(options.requestId),
        String(MAX_EVENTS),
      ],
    )) as string | number;
    const n = Number(seq);
    return n > 0 ? n : undefined;
  }

  async read(sessionId: string, streamId: string, afterSeq: number): Promise<SharedStream | undefined> {
    await ready(this.#redis);
    const k = this.#keys(sessionId, streamId);
    const [metaR, rangeR] = (await this.#redis
      .multi()
      .hgetall(k.meta)
      .xrange(k.log, `(${Math.max(0, afterSeq)}-1`, "+", "COUNT", MAX_EVENTS)
      .exec())!;
    const meta = metaR![1] as Record<string, string>;
    if (meta.s !== sessionId) return undefined;
    const events: ClusterEvent[] = [];
    for (const [id, fields] of rangeR![1] as [string, string[]][]) {
      const seq = Number(id.slice(0, id.indexOf("-")));
      if (seq > afterSeq && fields[1] !== "") events.push({ seq, data: fields[1]! });
    }
    return {
      events,
      ended: meta.e === "1",
      writer: meta.w,
      requestId: meta.r === undefined ? undefined : (JSON.parse(meta.r) as string | number),
      delivered: Number(meta.d ?? 0),
    };
  }

  async watch(streamId: string, listener: (event: ClusterEvent) => void): Promise<() => Promise<void>> {
    const channel = this.#channel("stream", streamId);
    let entry = this.#listeners.get(channel);
    if (!entry) {
      const subscribed = ready(this.#sub).then(() => this.#sub.subscribe(channel));
      entry = { set: new Set(), subscribed };
      this.#listeners.set(channel, entry);
      const mine = entry;
      subscribed.catch(() => {
        if (this.#listeners.get(channel) === mine) this.#listeners.delete(channel);
      });
    }
    // Every watcher waits for the subscription itself: watching has begun only once Redis confirmed it.
    await entry.subscribed;
    const set = entry.set;
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.#listeners.get(channel)?.set !== set) return;
      this.#listeners.delete(channel);
      await this.#sub.unsubscribe(channel).catch(() => {});
    };
  }

  async claim(streamId: string, reader: string): Promise<void> {
    await ready(this.#redis);
    await this.#redis.publish(this.#channel("stream", streamId), `0 ${reader}`);
  }

  async delivered(sessionId: string, streamId: string, seq: number): Promise<void> {
    await ready(this.#redis);
    const k = this.#keys(sessionId, streamId);
    // Only for a live stream of this session, and only forward.
    await markDelivered(this.#redis, [k.meta], [sessionId, String(seq)]);
  }

  async deleteSession(sessionId: string): Promise<void> {
    await ready(this.#redis);
    const index = `${this.#prefix}shared-streams:${sessionId}`;
    const streams = await this.#redis.smembers(index);
    const m = this.#redis.multi();
    for (const s of streams) {
      const k = this.#keys(sessionId, s);
      m.del(k.log, k.meta);
    }
    m.del(index);
    await m.exec();
  }

  async leave(): Promise<void> {
    if (this.#beat) clearInterval(this.#beat);
    this.#inbox = undefined;
    await this.#redis.del(`${this.#prefix}node:${this.nodeId}`).catch(() => {});
    await this.#sub.quit().catch(() => this.#sub.disconnect());
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

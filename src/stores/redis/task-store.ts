/**
 * RedisTaskStore: tasks in Redis, shared by every node, leases included, so that a task whose node died is
 * claimed — atomically, by exactly one other node — once its lease runs out. Records are JSON strings; an owner's
 * tasks sit in a sorted set by creation time, every task in one by expiry (for sweep), unfinished ones in a set.
 * Read-modify-write (update, claim) is an optimistic transaction (connection.ts, Transactions).
 */
import type { Redis } from "ioredis";
import { TERMINAL_STATUSES } from "../../protocol/tasks.js";
import { decodeTaskCursor, encodeTaskCursor, isExpired, type TaskPage, type TaskRecord, type TaskStore } from "../../tasks/store.js";
import { connect, luaScript, ready, Transactions } from "./connection.js";
import type { RedisStoreOptions } from "./options.js";

// A token bucket, read and written in one step. KEYS: bucket. ARGV: now, perSecond, burst.
const TAKE = `
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate * 1000) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return wait
`;

const take = luaScript(TAKE);

export class RedisTaskStore implements TaskStore {
  readonly #redis: Redis;
  readonly #tx: Transactions;
  readonly #owned: boolean;
  readonly #p: string;

  constructor(options: RedisStoreOptions = {}) {
    const c = connect(options);
    this.#redis = c.redis;
    this.#owned = c.owned;
    this.#p = c.prefix;
    this.#tx = new Transactions(c.redis);
  }

  #task = (id: string) => `${this.#p}task:${id}`;
  #byOwner = (owner: string) => `${this.#p}tasks:owner:${owner}`;
  #expiry = () => `${this.#p}tasks:expiry`;
  #unfinished = () => `${this.#p}tasks:unfinished`;

  /** take: the task rate limit, counted in Redis for every node (a Lua token bucket). */
  async take(key: string, limit: { perSecond: number; burst: number }, now: number): Promise<number> {
    await ready(this.#redis);
    return (await take(this.#redis, [`${this.#p}${key}`], [String(now), String(limit.perSecond), String(limit.burst)])) as number;
  }

  async create(task: TaskRecord): Promise<void> {
    await ready(this.#redis);
    const m = this.#redis
      .multi()
      .set(this.#task(task.taskId), JSON.stringify(task))
      .zadd(this.#byOwner(task.owner), task.createdAt, task.taskId)
      .zadd(this.#expiry(), task.ttl === null ? "+inf" : task.createdAt + task.ttl, task.taskId);
    if (!TERMINAL_STATUSES.has(task.status)) m.sadd(this.#unfinished(), task.taskId);
    await m.exec();
  }

  async load(taskId: string): Promise<TaskRecord | undefined> {
    await ready(this.#redis);
    const v = await this.#redis.get(this.#task(taskId));
    return v === null ? undefined : (JSON.parse(v) as TaskRecord);
  }

  async get(owner: string, taskId: string): Promise<TaskRecord | undefined> {
    const t = await this.load(taskId);
    return t && t.owner === owner && !isExpired(t, Date.now()) ? t : undefined;
  }

  /** #change reads a task, lets `fn` decide, and writes it back unless it changed meanwhile (then reads again). */
  #change<T>(taskId: string, fn: (t: TaskRecord | undefined) => { next?: TaskRecord; result: T }): Promise<T> {
    const key = this.#task(taskId);
    return this.#tx.run(
      key,
      (v) => {
        const { next, result } = fn(v === null ? undefined : (JSON.parse(v) as TaskRecord));
        if (!next) return { result };
        return {
          result,
          write: (m) => {
            m.set(key, JSON.stringify(next));
            if (TERMINAL_STATUSES.has(next.status)) m.srem(this.#unfinished(), taskId);
          },
        };
      },
      `task ${taskId}`,
    );
  }

  async update(taskId: string, patch: Partial<Omit<TaskRecord, "taskId" | "owner" | "createdAt">>): Promise<void> {
    await this.#change(taskId, (t) => {
      if (!t) return { result: undefined };
      const next: TaskRecord = { ...t, ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
      return { next, result: undefined };
    });
  }

  async claim(taskId: string, holder: string, until: number, now: number): Promise<boolean> {
    return this.#change(taskId, (t) => {
      if (!t || TERMINAL_STATUSES.has(t.status)) return { result: false };
      if (t.lease && t.lease.holder !== holder && t.lease.until >= now) return { result: false };
      return { next: { ...t, lease: { holder, until } }, result: true };
    });
  }

  async list(owner: string, cursor: string | undefined, limit: number): Promise<TaskPage> {
    await ready(this.#redis);
    const after = cursor === undefined ? undefined : decodeTaskCursor(cursor);
    const flat = await this.#redis.zrangebyscore(this.#byOwner(owner), after ? after[0] : "-inf", "+inf", "WITHSCORES");
    const ids: Array<[number, string]> = [];
    for (let i = 0; i < flat.length; i += 2) ids.push([Number(flat[i + 1]), flat[i]!]);
    ids.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const rest = after ? ids.filter(([c, id]) => c > after[0] || (c === after[0] && id > after[1])) : ids;
    const now = Date.now();
    const tasks: TaskRecord[] = [];
    let next = 0;
    while (next < rest.length && tasks.length < limit) {
      const batch = rest.slice(next, next + (limit - tasks.length));
      next += batch.length;
      const values = await this.#redis.mget(...batch.map(([, id]) => this.#task(id)));
      for (const v of values) {
        if (!v) continue;
        const t = JSON.parse(v) as TaskRecord;
        if (!isExpired(t, now)) tasks.push(t);
      }
    }
    const last = tasks[tasks.length - 1];
    return { tasks, ...(last && next < rest.length ? { nextCursor: encodeTaskCursor(last) } : {}) };
  }

  async unfinished(): Promise<TaskRecord[]> {
    await ready(this.#redis);
    const ids = await this.#redis.smembers(this.#unfinished());
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(...ids.map((id) => this.#task(id)));
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as TaskRecord)
      .filter((t) => !TERMINAL_STATUSES.has(t.status));
  }

  async sweep(now = Date.now()): Promise<void> {
    await ready(this.#redis);
    const ids = await this.#redis.zrangebyscore(this.#expiry(), "-inf", `(${now}`);
    if (ids.length === 0) return;
    const values = await this.#redis.mget(...ids.map((id) => this.#task(id)));
    const m = this.#redis.multi();
    ids.forEach((id, i) => {
      const v = values[i];
      if (v) m.zrem(this.#byOwner((JSON.parse(v) as TaskRecord).owner), id);
      m.del(this.#task(id));
    });
    m.zrem(this.#expiry(), ...ids).srem(this.#unfinished(), ...ids);
    await m.exec();
  }

  async close(): Promise<void> {
    await this.#tx.close();
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

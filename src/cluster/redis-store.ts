// The presence store shared by the nodes of a cluster, in Redis. Each cell is
// a string "<revision>:<payload>"; `commit` is one generic compare-and-set
// script over one user's cells (it knows nothing of presence, so the rules
// stay in TypeScript, see src/engine/store.ts). Revisions come from a
// per-user counter, so a cell deleted and written again never repeats one.
//
// The reverse index (who subscribes U) lives with U, in another slot than the
// subscriber's list, so it cannot change in the same script. It is kept a
// superset: targets are added before the list commits (and the new ones again
// after, in case a removal by a transition that committed just before ours
// arrived late), and removed after, so a crash between the two leaves an
// extra entry (a notification the subscriber did not ask for), never a
// missing one (a lost notification). The retention schedule and the node's
// user index are written before the commit for the same reason.
import type { Redis } from "ioredis";
import type { AppConfig } from "../engine/config.js";
import type { RateDecision } from "../engine/rate-limiter.js";
import type { Cell, PresenceStore, StoreWrite, UserRecord } from "../engine/store.js";
import type { OperationClass } from "../protocol/requests.js";
import type { ClusterKeys } from "./keys.js";
import { decodeRecord, encodeRecord } from "./records.js";
import { callRedis, checkReplies, replyOf } from "./redis-calls.js";

// KEYS[1] the user's revision counter, KEYS[2..] the cells; ARGV per cell:
// the revision read, the payload ("" deletes), a TTL in ms (0: none).
// Returns 0 when a cell moved, else 1 followed by every cell's previous value.
const COMPARE_AND_SET = `
local previous = {}
for i = 2, #KEYS do
  local current = redis.call('GET', KEYS[i])
  local revision = 0
  if current then revision = tonumber(string.match(current, '^(%d+):')) end
  if revision ~= tonumber(ARGV[(i - 2) * 3 + 1]) then return 0 end
  previous[i - 1] = current or ''
end
for i = 2, #KEYS do
  local payload = ARGV[(i - 2) * 3 + 2]
  local ttl = tonumber(ARGV[(i - 2) * 3 + 3])
  if payload == '' then
    redis.call('DEL', KEYS[i])
  else
    local value = redis.call('INCR', KEYS[1]) .. ':' .. payload
    if ttl > 0 then redis.call('SET', KEYS[i], value, 'PX', ttl) else redis.call('SET', KEYS[i], value) end
  end
end
return {1, unpack(previous)}
`;

// The sliding log of rule 9 (src/engine/rate-limiter.ts `admit`) on one
// window cell, atomically, so a rate-limited request costs one round trip and
// can travel with the read it guards. KEYS[1] the user's revision counter,
// KEYS[2] the window; ARGV now, limit, window ms, TTL ms. Returns {1, 0} when
// counted, {0, retry-after ms} when refused.
const ACQUIRE = `
local now, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = redis.call('GET', KEYS[2])
local times = {}
if current then
  local stored = cjson.decode(string.sub(current, string.find(current, ':', 1, true) + 1))
  for _, t in ipairs(stored) do
    if t + window > now then table.insert(times, t) end
  end
end
if #times >= limit and #times > 0 then return {0, times[1] + window - now} end
table.insert(times, now)
redis.call('SET', KEYS[2], redis.call('INCR', KEYS[1]) .. ':' .. cjson.encode(times), 'PX', tonumber(ARGV[4]))
return {1, 0}
`;

type CasClient = Redis & {
  presenceCompareAndSet(numKeys: number, ...args: (string | number)[]): Promise<0 | [1, ...string[]]>;
  presenceAcquire(numKeys: number, ...args: (string | number)[]): Promise<[0 | 1, number]>;
};

export interface RedisStoreOptions {
  keys: ClusterKeys;
  /** This node's id: the users with a device here are indexed under it, for whoever reaps it. */
  nodeId: string;
  /** How long a rate window outlives its last request; at least the rate-limit window. */
  rateWindowTtlMs: number;
  /** Said to clients (retry_after_ms) while Redis cannot be reached. */
  retryAfterMs?: number;
}

export class RedisPresenceStore implements PresenceStore {
  private currentEpoch = 0n;
  private readonly redis: CasClient;
  private readonly keys: ClusterKeys;
  /** Users this node already indexed under its id (since the store's last start afresh). */
  private readonly indexed = new Set<string>();
  /** Targets added to reverse indexes by commits that lost, per subscriber: removed once a list commits without them. */
  private readonly unconfirmed = new Map<string, Set<string>>();
  /** Records as last parsed, by the stored string: a 500-user query parses only the records that changed. */
  private readonly parsed = new Map<string, { raw: string; record: UserRecord }>();
  /** The list each subscriber had when last read, by revision: a commit at that revision adds only the targets it adds. */
  private readonly listsRead = new Map<string, { revision: number; targets: ReadonlySet<string> }>();

  constructor(
    redis: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    this.keys = options.keys;
    redis.defineCommand("presenceCompareAndSet", { lua: COMPARE_AND_SET });
    redis.defineCommand("presenceAcquire", { lua: ACQUIRE });
    this.redis = redis as CasClient;
  }

  get epoch(): bigint {
    return this.currentEpoch;
  }

  /**
   * Adopts the shared state's epoch, starting one (the current time) if
   * Redis has none: at start and after every reconnection. Resolves whether
   * it changed, i.e. the shared state started afresh since this node last looked.
   */
  async refreshEpoch(): Promise<boolean> {
    const epoch = BigInt(await this.call(async () => {
      await this.redis.set(this.keys.epoch, String(Date.now()), "NX");
      return (await this.redis.get(this.keys.epoch)) ?? "0";
    }));
    const changed = epoch !== this.currentEpoch;
    this.currentEpoch = epoch;
    if (changed) this.indexed.clear();
    return changed;
  }

  async readUser(userId: string): Promise<Cell<UserRecord>> {
    const raw = await this.call(() => this.redis.get(this.keys.user(userId)));
    const { revision, payload } = split(raw);
    return { value: payload === undefined ? undefined : decodeRecord(userId, payload), revision };
  }

  async readUsers(userIds: readonly string[], each: (record: UserRecord | undefined, index: number) => void): Promise<void> {
    if (userIds.length === 0) return;
    // One MGET: one round trip and one command however many users (with a pipeline of one GET per
    // user the 500-user query took 4.1-7.3 ms at p50 in bench:cluster, with MGET 2.8-3.2 ms).
    // On Redis Cluster a client sends one MGET per slot.
    const raws = await this.call(() => this.redis.mget(userIds.map((userId) => this.keys.user(userId))));
    for (let i = 0; i < userIds.length; i++) each(this.recordOf(userIds[i]!, raws[i] ?? null), i);
  }

  /** The record a stored string holds, parsed once per distinct string (records are values: sharing one is safe). */
  private recordOf(userId: string, raw: string | null): UserRecord | undefined {
    if (raw === null || raw === "") return undefined;
    const known = this.parsed.get(userId);
    if (known?.raw === raw) return known.record;
    const record = decodeRecord(userId, split(raw).payload!);
    if (this.parsed.size >= MAX_RECORDS_PARSED) this.parsed.clear();
    this.parsed.set(userId, { raw, record });
    return record;
  }

  async readSubscriptions(userId: string): Promise<Cell<readonly string[]>> {
    const { revision, payload } = split(await this.call(() => this.redis.get(this.keys.subscriptions(userId))));
    const value = payload === undefined ? undefined : (JSON.parse(payload) as string[]);
    if (this.listsRead.size >= MAX_LISTS_REMEMBERED) this.listsRead.clear();
    this.listsRead.set(userId, { revision, targets: new Set(value) });
    return { value, revision };
  }

  async subscribersOf(userIds: readonly string[]): Promise<string[][]> {
    const replies = await this.call(() => {
      const pipeline = this.redis.pipeline();
      for (const userId of userIds) pipeline.smembers(this.keys.subscribers(userId));
      return pipeline.exec();
    });
    return userIds.map((_, i) => replyOf(replies, i) as string[]);
  }

  async readRateWindows(userId: string, operations: readonly OperationClass[]): Promise<Cell<readonly number[]>[]> {
    if (operations.length === 0) return [];
    const raws = await this.call(() => this.redis.mget(operations.map((operation) => this.keys.rate(userId, operation))));
    return raws.map((raw) => {
      const { revision, payload } = split(raw);
      return { value: payload === undefined ? undefined : (JSON.parse(payload) as number[]), revision };
    });
  }

  async acquire(userId: string, operation: OperationClass, nowMs: number, limit: number, windowMs: number): Promise<RateDecision> {
    const keys = [this.keys.revisions(userId), this.keys.rate(userId, operation)];
    const ttlMs = Math.max(this.options.rateWindowTtlMs, windowMs);
    const [counted, retryAfterMs] = await this.call(() => this.redis.presenceAcquire(2, ...keys, nowMs, limit, windowMs, ttlMs));
    return counted === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }

  async commit(writes: readonly StoreWrite[]): Promise<boolean> {
    if (writes.length === 0) return true;
    const userId = writes[0]!.userId;
    if (writes.some((write) => write.userId !== userId)) throw new Error("a commit touches one user's cells (one Redis Cluster slot)");
    await this.beforeCommit(writes);
    const keys = [this.keys.revisions(userId), ...writes.map((write) => this.keyOf(write))];
    const args = writes.flatMap((write) => [write.revision, this.payloadOf(write), write.kind === "rate" && write.value.length > 0 ? this.options.rateWindowTtlMs : 0]);
    const reply = await this.call(() => this.redis.presenceCompareAndSet(keys.length, ...keys, ...args));
    for (const write of writes) if (write.kind === "subscriptions") this.listsRead.delete(write.userId);
    if (reply === 0) return false;
    await this.afterCommit(writes, reply.slice(1) as string[]);
    return true;
  }

  async readSettings(): Promise<Partial<AppConfig>> {
    const raw = await this.call(() => this.redis.get(this.keys.settings));
    return raw ? (JSON.parse(raw) as Partial<AppConfig>) : {};
  }

  /** Stores the settings and tells every node (each re-reads them). */
  async writeSettings(settings: AppConfig): Promise<void> {
    await this.call(() => this.redis.multi().set(this.keys.settings, JSON.stringify(settings)).publish(this.keys.controlChannel, "settings").exec());
  }

  /** Users whose retention deadline has passed, at most `limit`. */
  async dueRetentions(nowMs: number, limit: number): Promise<string[]> {
    return this.call(() => this.redis.zrangebyscore(this.keys.retention, "-inf", nowMs, "LIMIT", 0, limit));
  }

  /** Drops the given users from the retention schedule unless a later deadline replaced theirs. */
  async settleRetentions(userIds: readonly string[], nowMs: number): Promise<void> {
    if (userIds.length === 0) return;
    await this.call(() => this.redis.eval(SETTLE_RETENTIONS, 1, this.keys.retention, nowMs, ...userIds));
  }

  private async beforeCommit(writes: readonly StoreWrite[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const write of writes) {
      if (write.kind === "subscriptions") {
        const read = this.listsRead.get(write.userId);
        const known = read?.revision === write.revision ? read.targets : new Set<string>();
        let pending = this.unconfirmed.get(write.userId);
        if (!pending) this.unconfirmed.set(write.userId, (pending = new Set()));
        for (const target of write.value) {
          if (known.has(target)) continue;
          pipeline.sadd(this.keys.subscribers(target), write.userId);
          pending.add(target);
        }
      } else if (write.kind === "user") {
        if (write.value.retainUntilMs !== undefined) pipeline.zadd(this.keys.retention, write.value.retainUntilMs, write.userId);
        if (!this.indexed.has(write.userId) && write.value.devices.some((d) => d.nodeId === this.options.nodeId)) {
          pipeline.sadd(this.keys.nodeUsers(this.options.nodeId), write.userId);
          this.indexed.add(write.userId);
        }
      }
    }
    if (pipeline.length > 0) checkReplies(await this.call(() => pipeline.exec()));
  }

  private async afterCommit(writes: readonly StoreWrite[], previous: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    writes.forEach((write, i) => {
      if (write.kind !== "subscriptions") return;
      const next = new Set(write.value);
      const gone = new Set(this.unconfirmed.get(write.userId));
      this.unconfirmed.delete(write.userId);
      const payload = split(previous[i] || null).payload;
      const before = new Set(payload === undefined ? [] : (JSON.parse(payload) as string[]));
      for (const target of before) gone.add(target);
      for (const target of gone) if (!next.has(target)) pipeline.srem(this.keys.subscribers(target), write.userId);
      for (const target of next) if (!before.has(target)) pipeline.sadd(this.keys.subscribers(target), write.userId);
    });
    if (pipeline.length > 0) checkReplies(await this.call(() => pipeline.exec()));
  }

  private keyOf(write: StoreWrite): string {
    if (write.kind === "user") return this.keys.user(write.userId);
    if (write.kind === "subscriptions") return this.keys.subscriptions(write.userId);
    return this.keys.rate(write.userId, write.operation);
  }

  private payloadOf(write: StoreWrite): string {
    if (write.kind === "user") return encodeRecord(write.value);
    return write.value.length === 0 ? "" : JSON.stringify(write.value);
  }

  private call<T>(run: () => Promise<T>): Promise<T> {
    return callRedis(run, this.options.retryAfterMs);
  }
}

/** Parsed records kept; past this the cache starts again (about 0.5 KB each). */
const MAX_RECORDS_PARSED = 100_000;

/** Lists remembered between read and commit; past this they are forgotten (a commit then adds every target again). */
const MAX_LISTS_REMEMBERED = 10_000;

const SETTLE_RETENTIONS = `
for i = 2, #ARGV do
  local deadline = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if deadline and tonumber(deadline) <= tonumber(ARGV[1]) then redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return 1
`;

function split(raw: string | null): { revision: number; payload: string | undefined } {
  if (raw === null || raw === "") return { revision: 0, payload: undefined };
  const colon = raw.indexOf(":");
  return { revision: Number(raw.slice(0, colon)), payload: raw.slice(colon + 1) };
}

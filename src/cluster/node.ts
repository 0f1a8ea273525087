// One server node of a cluster: its links to Redis, its lease, and the work
// every live node shares: removing the devices of a node that died, carrying
// out subscription-retention deadlines whatever node set them, and catching
// up after its own link to Redis was interrupted.
//
// Two connections to Redis: commands (no offline queue, so a request while
// Redis is away fails at once with TEMPORARILY_UNAVAILABLE instead of
// waiting) and pub/sub (a connection in subscribe mode can send nothing
// else). Pub/sub is at most once: whatever was published while a link was
// down is lost, so after any reconnection the node re-reads what its
// connections are entitled to (PresenceEngine.resynchronize).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Redis, type RedisOptions } from "ioredis";
import type { PresenceEngine, Relayed } from "../engine/index.js";
import { ClusterKeys } from "./keys.js";
import { checkReplies, DEFAULT_RETRY_AFTER_MS } from "./redis-calls.js";
import { RedisFriends } from "./redis-friends.js";
import { RedisPresenceStore } from "./redis-store.js";
import { decodeRelay, encodeRelay } from "./relay.js";

export interface ClusterOptions {
  /** redis://host:port (rediss:// for TLS). */
  redisUrl: string;
  /** A readable name for this node; a random suffix makes each start a new node id. */
  nodeName?: string;
  /** How long the node's lease lives without renewal: the bound on noticing a dead node is about this plus a third of it. */
  leaseTtlMs?: number;
  /** Prefix of every key and channel, so several clusters can share one Redis. */
  keyPrefix?: string;
  /** The longest rate-limit window the node enforces: rate windows are kept at least this long. */
  rateWindowMs: number;
  /** How long to wait for Redis at start before giving up. */
  connectTimeoutMs?: number;
  /** Told of every failure of the node's background work (it never throws from there). */
  onError?: (error: unknown, context: string) => void;
  /** Called when the shared state started afresh (Redis lost its data), before the node registers again: to restore what only configuration holds, such as friends. */
  onFreshState?: () => Promise<void>;
  /** Told of cluster events worth a log line. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export class ClusterError extends Error {}

export const DEFAULT_LEASE_TTL_MS = 10_000;
/** Retention deadlines handled per sweep. */
const SWEEP_BATCH = 500;
/** Relays kept for a publish that failed, sent again on reconnection; past this the oldest are dropped (and reported). */
const MAX_PENDING_RELAYS = 10_000;

export class ClusterNode {
  readonly nodeId: string;
  readonly keys: ClusterKeys;
  readonly store: RedisPresenceStore;
  readonly friends: RedisFriends;
  private readonly leaseTtlMs: number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly onFreshState: () => Promise<void>;
  private readonly onEvent: (event: string, fields: Record<string, unknown>) => void;
  private engine: PresenceEngine | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private recovery: Promise<void> | undefined;
  private recoverAgain = false;
  private interrupted = false;
  private leaseHeld = false;
  private closed = false;
  private readonly pendingRelays: [channel: string, payload: string][] = [];

  private constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
    options: ClusterOptions,
  ) {
    this.nodeId = `${options.nodeName ?? `${hostname()}-${process.pid}`}-${randomBytes(3).toString("hex")}`;
    this.keys = new ClusterKeys(options.keyPrefix);
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.onError = options.onError ?? (() => undefined);
    this.onFreshState = options.onFreshState ?? (() => Promise.resolve());
    this.onEvent = options.onEvent ?? (() => undefined);
    this.store = new RedisPresenceStore(command, {
      keys: this.keys,
      nodeId: this.nodeId,
      rateWindowTtlMs: Math.max(60_000, 2 * options.rateWindowMs),
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
    });
    this.friends = new RedisFriends(command, this.keys);
  }

  /** Connects to Redis (both links) and adopts the shared state's epoch; rejects with ClusterError if Redis does not answer in time. */
  static async connect(options: ClusterOptions): Promise<ClusterNode> {
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 2000,
      connectTimeout: 2000,
      // Reconnect for ever, at most a second apart: the node outlives a Redis restart.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    };
    const command = new Redis(options.redisUrl, redisOptions);
    const subscriber = new Redis(options.redisUrl, { ...redisOptions, enableOfflineQueue: true, commandTimeout: undefined });
    // Errors surface through the calls that fail; without a listener ioredis would print each attempt.
    command.on("error", () => undefined);
    subscriber.on("error", () => undefined);
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    try {
      await withTimeout(Promise.all([command.connect(), subscriber.connect()]), timeoutMs);
    } catch (cause) {
      command.disconnect();
      subscriber.disconnect();
      throw new ClusterError(`cannot reach Redis at ${redact(options.redisUrl)} within ${timeoutMs} ms: ${String(cause)}`);
    }
    const node = new ClusterNode(command, subscriber, options);
    await node.store.refreshEpoch();
    return node;
  }

  /** Sends another node what concerns its connections. A failed publish is kept and sent again on reconnection. */
  readonly relay = (nodeId: string, relayed: Relayed): void => {
    this.publish(this.keys.nodeChannel(nodeId), encodeRelay(relayed));
  };

  /** Redis answers on both links. */
  get healthy(): boolean {
    return this.command.status === "ready" && this.subscriber.status === "ready";
  }

  /**
   * Serves `engine` (built with this node's store, friends, relay and node
   * id): listens on its channels, takes its lease, and starts the periodic
   * work. Resolves once the node is registered.
   */
  async start(engine: PresenceEngine): Promise<void> {
    this.engine = engine;
    this.subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message.toString()));
    await this.subscriber.subscribe(this.keys.nodeChannel(this.nodeId), this.keys.controlChannel);
    for (const link of [this.command, this.subscriber]) {
      link.on("close", () => {
        if (this.closed || this.interrupted) return;
        this.interrupted = true;
        this.onEvent("redis link lost", { node: this.nodeId });
      });
      link.on("ready", () => {
        if (this.closed || !this.interrupted) return;
        this.recover();
      });
    }
    // The first node writes its configured switches; the others adopt the cluster's.
    if (Object.keys(await this.store.readSettings()).length === 0) await engine.updateSwitches({});
    else await engine.refreshSettings();
    await this.tick();
    const interval = Math.max(100, Math.floor(this.leaseTtlMs / 3));
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref();
  }

  /**
   * Leaves the cluster: stops the periodic work, gives up the lease, closes both links. Call after
   * the engine went idle. Unless `released` (every device this node registered is out of the
   * store), the lease is left to expire so that a survivor reaps what is left (reason NODE_LOST).
   */
  async close({ released = true }: { released?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.recovery;
    try {
      if (!released) this.onEvent("leaving devices to the reaper", { node: this.nodeId });
      else if (this.command.status === "ready") {
        checkReplies(await this.command.multi().del(this.keys.lease(this.nodeId), this.keys.nodeUsers(this.nodeId)).srem(this.keys.nodes, this.nodeId).exec());
      }
    } catch (error) {
      this.onError(error, "leaving the cluster");
    }
    this.subscriber.disconnect();
    this.command.disconnect();
  }

  private onMessage(channel: string, message: string): void {
    const engine = this.engine;
    if (!engine) return;
    if (channel === this.keys.controlChannel) {
      engine.refreshSettings().catch((error: unknown) => this.onError(error, "reading the switches"));
      return;
    }
    try {
      void engine.deliverRelayed(decodeRelay(message));
    } catch (error) {
      this.onError(error, "a relayed message");
    }
  }

  private publish(channel: string, payload: string): void {
    if (this.command.status !== "ready") {
      this.keep(channel, payload);
      return;
    }
    this.command.publish(channel, payload).catch(() => this.keep(channel, payload));
  }

  private keep(channel: string, payload: string): void {
    this.pendingRelays.push([channel, payload]);
    if (this.pendingRelays.length > MAX_PENDING_RELAYS) {
      this.pendingRelays.shift();
      this.onError(new ClusterError(`more than ${MAX_PENDING_RELAYS} relays waiting for Redis: the oldest was dropped`), "relaying");
    }
  }

  /** Renews the lease, removes the devices of dead nodes, carries out due retention deadlines. One at a time. */
  private tick(): Promise<void> {
    if (this.ticking || this.closed) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        if (await this.renewLease()) {
          this.onEvent("lease lapsed or epoch changed", { node: this.nodeId });
          this.recover();
        }
        await this.reapDeadNodes();
        await this.sweepRetention();
      } catch (error) {
        this.onError(error, "periodic cluster work");
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Resolves whether this node must resynchronize. */
  private async renewLease(): Promise<boolean> {
    const replies = await this.command
      .multi()
      .set(this.keys.lease(this.nodeId), String(Date.now()), "PX", this.leaseTtlMs, "GET")
      .sadd(this.keys.nodes, this.nodeId)
      .get(this.keys.epoch)
      .exec();
    checkReplies(replies);
    const [previous, , epoch] = replies!.map(([, value]) => value);
    // A lease that lapsed while this node lived (it stalled, or Redis lost it): other nodes may have removed its devices.
    // An epoch gone or changed without a reconnection: a failover to a replica that lacks the data.
    const lapsed = this.leaseHeld && (previous === null || epoch !== String(this.store.epoch));
    this.leaseHeld = true;
    return lapsed;
  }

  /** Exactly one live node (the one that takes the reaper key) removes a dead node's devices; a crash midway leaves it to the next. */
  private async reapDeadNodes(): Promise<void> {
    const nodes = (await this.command.smembers(this.keys.nodes)).filter((id) => id !== this.nodeId);
    if (nodes.length === 0) return;
    const alive = await this.leasesOf(nodes);
    for (const [i, dead] of nodes.entries()) {
      if (alive[i]) continue;
      const taken = await this.command.set(this.keys.reaper(dead), this.nodeId, "PX", 30_000, "NX");
      if (taken !== "OK") continue;
      const users = await this.command.smembers(this.keys.nodeUsers(dead));
      this.onEvent("removing a dead node's devices", { node: this.nodeId, dead, users: users.length });
      await this.engine!.evictNode(dead, users);
      checkReplies(await this.command.multi().del(this.keys.nodeUsers(dead), this.keys.reaper(dead)).srem(this.keys.nodes, dead).exec());
    }
  }

  private async leasesOf(nodes: string[]): Promise<boolean[]> {
    const pipeline = this.command.pipeline();
    for (const id of nodes) pipeline.exists(this.keys.lease(id));
    const replies = await pipeline.exec();
    checkReplies(replies);
    return replies!.map(([, exists]) => exists === 1);
  }

  private async sweepRetention(): Promise<void> {
    const now = Date.now();
    const due = await this.store.dueRetentions(now, SWEEP_BATCH);
    if (due.length === 0) return;
    await Promise.all(due.map((userId) => this.engine!.expireRetention(userId)));
    await this.store.settleRetentions(due, now);
  }

  /**
   * After an interruption: adopt the epoch (a fresh one if Redis lost its
   * data), register again, send the relays that failed, re-read the
   * switches, and resynchronize the engine. Runs once at a time; asked
   * again meanwhile, it runs once more after.
   */
  private recover(): void {
    if (this.recovery) {
      this.recoverAgain = true;
      return;
    }
    this.recovery = (async () => {
      do {
        this.recoverAgain = false;
        try {
          if (this.command.status !== "ready" || this.subscriber.status !== "ready") return;
          this.interrupted = false;
          // Listening again before reading: a change published after this is delivered, one before it is read.
          await this.subscriber.subscribe(this.keys.nodeChannel(this.nodeId), this.keys.controlChannel);
          const epochChanged = await this.store.refreshEpoch();
          this.onEvent("resynchronizing", { node: this.nodeId, epochChanged });
          if (epochChanged) await this.onFreshState();
          await this.renewLease();
          for (const [channel, payload] of this.pendingRelays.splice(0)) this.publish(channel, payload);
          // A fresh store lost the switches too: this node's are the last known.
          if (epochChanged) await this.engine!.updateSwitches({});
          else await this.engine!.refreshSettings();
          // Losses whose transition failed while Redis was away left devices this node no longer holds.
          if (!epochChanged) await this.engine!.releaseLost(await this.command.smembers(this.keys.nodeUsers(this.nodeId)));
          await this.engine!.resynchronize(epochChanged);
        } catch (error) {
          this.interrupted = true;
          this.onError(error, "resynchronizing");
        }
      } while (this.recoverAgain && !this.closed);
    })().finally(() => (this.recovery = undefined));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), ms)))]).finally(() => clearTimeout(timer));
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

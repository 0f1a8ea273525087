// A test bench around PresenceEngine: simulated time, collected effects, the
// stores every engine test runs against, and builders for request frames.
import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll } from "vitest";
import type { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform, StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import {
  InMemoryFriends,
  InMemoryPresenceStore,
  InMemoryUserDirectory,
  PresenceEngine,
  simulatedTime,
  type AppConfigInput,
  type Authenticate,
  type EngineEffect,
  type ManualClock,
  type PresenceStore,
  type SimulatedTimers,
} from "../../src/engine/index.js";
import { ClusterKeys } from "../../src/cluster/keys.js";
import { RedisPresenceStore } from "../../src/cluster/redis-store.js";
import { startLocalRedis } from "../../scripts/local-redis.js";

/** The stores the rule tests, traces and property test run against: a new store is one more line. */
export const STORES: { name: string; create: () => PresenceStore }[] = [{ name: "in-memory", create: () => new InMemoryPresenceStore() }];

// The Redis store runs the same tests against a real redis-server of this test file's own
// (CI installs it; a developer without it sees only the in-memory store). Each store gets fresh keys.
if (hasRedisServer()) {
  const redis = await startLocalRedis();
  const client = new Redis(redis.url, { lazyConnect: false });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });
  let stores = 0;
  STORES.push({
    name: "redis",
    create: () => new RedisPresenceStore(client, { keys: new ClusterKeys(`t${++stores}:`), nodeId: "local", rateWindowTtlMs: 60_000 }),
  });
}

function hasRedisServer(): boolean {
  if (spawnSync("redis-server", ["--version"]).status === 0) return true;
  if (process.env.CI) throw new Error("redis-server is not installed (apt-get install redis-server)");
  return false;
}

export type Body = NonNullable<Frame["body"]>;

export const req = {
  login: (userId: string, deviceId = "", platform = Platform.PLATFORM_IOS): Body => ({
    $case: "loginRequest",
    value: { userId, token: "token", platform, deviceId, clientVersion: "test/1" },
  }),
  logout: (): Body => ({ $case: "logoutRequest", value: {} }),
  ping: (clientTimeMs = 0n): Body => ({ $case: "ping", value: { clientTimeMs } }),
  setStatus: (customStatus: string): Body => ({ $case: "setSelfStatusRequest", value: { customStatus } }),
  get: (...userIds: string[]): Body => ({ $case: "getUserStatusRequest", value: { userIds } }),
  subscribe: (...userIds: string[]): Body => ({ $case: "subscribeUserStatusRequest", value: { userIds } }),
  unsubscribe: (...userIds: string[]): Body => ({ $case: "unsubscribeUserStatusRequest", value: { userIds } }),
};

export interface BenchOptions {
  config?: AppConfigInput;
  /** Ids the directory knows besides those who log in. */
  users?: string[];
  authenticate?: Authenticate;
  store?: PresenceStore;
  /** Told of the engine's failures instead of failing the test on the first. */
  onError?: (error: unknown) => void;
}

export const PREMIUM_ON: AppConfigInput = { plan: "premium", featureEnabled: true };

export class Bench {
  readonly clock: ManualClock;
  readonly timers: SimulatedTimers;
  readonly friends = new InMemoryFriends();
  readonly directory: InMemoryUserDirectory;
  readonly engine: PresenceEngine;
  private effects: EngineEffect[] = [];
  /** Failures the engine reported: a test fails on the first. */
  private readonly errors: unknown[] = [];
  private nextRequestId = 1;

  constructor(options: BenchOptions = {}) {
    ({ clock: this.clock, timers: this.timers } = simulatedTime(1_700_000_000_000));
    this.directory = new InMemoryUserDirectory(options.users);
    this.engine = new PresenceEngine({
      clock: this.clock,
      timers: this.timers,
      sink: (effect) => this.effects.push(effect),
      friends: this.friends,
      directory: this.directory,
      config: options.config,
      authenticate: options.authenticate,
      store: options.store,
      onError: options.onError ?? ((error) => this.errors.push(error)),
    });
  }

  /** Waits until the engine is idle; throws the first failure it reported. */
  async settle(): Promise<void> {
    await this.engine.idle();
    if (this.errors.length > 0) throw this.errors[0];
  }

  /** Returns and forgets the effects so far. */
  take(): EngineEffect[] {
    const taken = this.effects;
    this.effects = [];
    return taken;
  }

  connect(connectionId: string): void {
    this.engine.connect(connectionId);
  }

  /** Sends a request (with a fresh request id unless given) and returns the effects it caused. */
  async send(connectionId: string, body: Body | undefined, requestId = this.nextRequestId++): Promise<EngineEffect[]> {
    this.take();
    void this.engine.receive(connectionId, { requestId, body });
    await this.settle();
    return this.take();
  }

  /** Connects and logs in; returns the effects of the login. */
  login(connectionId: string, userId: string, deviceId = connectionId, platform = Platform.PLATFORM_IOS): Promise<EngineEffect[]> {
    this.connect(connectionId);
    return this.send(connectionId, req.login(userId, deviceId, platform));
  }

  async drop(connectionId: string): Promise<EngineEffect[]> {
    this.take();
    void this.engine.disconnect(connectionId);
    await this.settle();
    return this.take();
  }

  /** Moves time on, each timer's event ending before the next timer runs. */
  async advance(ms: number): Promise<EngineEffect[]> {
    this.take();
    await this.timers.advanceToSettled(this.clock.now() + ms, () => this.settle());
    return this.take();
  }
}

export function framesTo(effects: readonly EngineEffect[], connectionId: string): Frame[] {
  return effects.flatMap((e) => (e.type === "send" && e.connectionId === connectionId ? [e.frame] : []));
}

/** The statuses of every notification pushed to a connection, one array per notification. */
export function notificationsTo(effects: readonly EngineEffect[], connectionId: string): UserStatus[][] {
  return framesTo(effects, connectionId).flatMap((f) => (f.body?.$case === "userStatusChanged" ? [f.body.value.statuses] : []));
}

/** Connections that received any notification. */
export function notifiedConnections(effects: readonly EngineEffect[]): string[] {
  return effects.flatMap((e) => (e.type === "send" && e.frame.body?.$case === "userStatusChanged" ? [e.connectionId] : []));
}

export function closedConnections(effects: readonly EngineEffect[]): { connectionId: string; code: ErrorCode }[] {
  return effects.flatMap((e) => (e.type === "close" ? [{ connectionId: e.connectionId, code: e.code }] : []));
}

/** The body of the single frame answering a request on `connectionId`; fails the test otherwise. */
export function answer(effects: readonly EngineEffect[], connectionId: string): Body {
  const answers = framesTo(effects, connectionId).filter((f) => f.requestId !== 0);
  if (answers.length !== 1 || !answers[0]?.body) throw new Error(`expected one answer on ${connectionId}, got ${answers.length}`);
  return answers[0].body;
}

export function errorOf(body: Body): { code: ErrorCode; retryAfterMs: number } {
  if (body.$case !== "error") throw new Error(`expected an error, got ${body.$case}`);
  return { code: body.value.code, retryAfterMs: body.value.retryAfterMs };
}

export const { ONLINE, OFFLINE, UNLOGINED } = {
  ONLINE: UserStatusType.USER_STATUS_TYPE_ONLINE,
  OFFLINE: UserStatusType.USER_STATUS_TYPE_OFFLINE,
  UNLOGINED: UserStatusType.USER_STATUS_TYPE_UNLOGINED,
};
export const R = StatusChangeReason;

export function loginResponse(body: Body) {
  if (body.$case !== "loginResponse") throw new Error(`expected loginResponse, got ${body.$case}`);
  return body.value;
}

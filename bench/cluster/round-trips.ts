// Redis round trips per operation in cluster mode: the engine over the Redis
// store, in this process, against a redis-server of its own. Every request to
// Redis is counted (a single command, or a pipeline or MULTI sent at once,
// counts one), and so are the round trips: a request sent while another is in
// flight shares its round trip. Prints JSON: per operation, the mean requests
// and round trips over several repetitions.
import { Redis } from "ioredis";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { startLocalRedis } from "../../scripts/local-redis.js";
import { ClusterKeys } from "../../src/cluster/keys.js";
import { RedisPresenceStore } from "../../src/cluster/redis-store.js";
import { InMemoryUserDirectory, PresenceEngine, simulatedTime } from "../../src/engine/index.js";

const COMMANDS = new Set(["get", "mget", "set", "smembers", "sadd", "srem", "eval", "zrangebyscore", "publish", "presenceCompareAndSet", "presenceAcquire"]);
let requests = 0;
let roundTrips = 0;
let inFlight = 0;

/** Counts a request, and a round trip unless another request is in flight. */
function counted<T>(send: () => Promise<T>): Promise<T> {
  requests++;
  if (inFlight++ === 0) roundTrips++;
  return send().finally(() => inFlight--);
}

/** The client, counting each request it sends. */
function counting(redis: Redis): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "pipeline" || property === "multi") {
        return (...args: unknown[]) => {
          const batch = (value as (...a: unknown[]) => { exec: () => Promise<unknown> }).apply(target, args);
          const exec = batch.exec.bind(batch);
          batch.exec = () => counted(exec);
          return batch;
        };
      }
      if (typeof property === "string" && COMMANDS.has(property)) {
        return (...args: unknown[]) => counted(() => (value as (...a: unknown[]) => Promise<unknown>).apply(receiver, args));
      }
      return value;
    },
  });
}

const redis = await startLocalRedis();
const client = new Redis(redis.url);
try {
  const store = new RedisPresenceStore(counting(client), { keys: new ClusterKeys("rt:"), nodeId: "n1", rateWindowTtlMs: 60_000 });
  const others = Array.from({ length: 500 }, (_, i) => `o${i}`);
  const { clock, timers } = simulatedTime(1_700_000_000_000);
  const engine = new PresenceEngine({
    clock,
    timers,
    sink: () => undefined,
    store,
    nodeId: "n1",
    directory: new InMemoryUserDirectory([...others, "watcher"]),
    config: { plan: "premium", featureEnabled: true, limits: { rateLimitRequests: 1_000_000 } },
  });
  let requestId = 1;
  let connection = 0;
  const send = async (connectionId: string, body: NonNullable<Frame["body"]>) => {
    const before = { requests, roundTrips };
    await engine.receive(connectionId, { requestId: requestId++, body });
    await engine.idle();
    return { requests: requests - before.requests, roundTrips: roundTrips - before.roundTrips };
  };
  const login = (userId: string) => {
    const id = `c${++connection}`;
    engine.connect(id);
    return { id, trips: send(id, { $case: "loginRequest", value: { userId, token: "t", platform: Platform.PLATFORM_WEB, deviceId: "d", clientVersion: "rt/1" } }) };
  };

  const samples: Record<string, { requests: number; roundTrips: number }[]> = {};
  const record = (name: string, trips: { requests: number; roundTrips: number }) => (samples[name] ??= []).push(trips);
  for (let i = 0; i < 5; i++) {
    const alice = login(`alice${i}`);
    record("login (nobody to notify)", await alice.trips);
    const watcher = login(`watcher${i}`);
    await watcher.trips;
    record("subscribe (100 users)", await send(watcher.id, { $case: "subscribeUserStatusRequest", value: { userIds: [`alice${i}`, ...others.slice(0, 99)] } }));
    record("set own status (one subscriber to notify)", await send(alice.id, { $case: "setSelfStatusRequest", value: { customStatus: `s${i}` } }));
    record("set own status again (one subscriber)", await send(alice.id, { $case: "setSelfStatusRequest", value: { customStatus: `t${i}` } }));
    record("get own status", await send(alice.id, { $case: "getUserStatusRequest", value: { userIds: [`alice${i}`] } }));
    record("get 500 others' status", await send(alice.id, { $case: "getUserStatusRequest", value: { userIds: others } }));
    record("unsubscribe (1 user)", await send(watcher.id, { $case: "unsubscribeUserStatusRequest", value: { userIds: [`alice${i}`] } }));
    record("ping", await send(alice.id, { $case: "ping", value: { clientTimeMs: 0n } }));
    const before = { requests, roundTrips };
    await engine.disconnect(alice.id);
    await engine.idle();
    record("connection lost (last device, nobody to notify)", { requests: requests - before.requests, roundTrips: roundTrips - before.roundTrips });
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const result = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, { requests: mean(values.map((v) => v.requests)), roundTrips: mean(values.map((v) => v.roundTrips)) }]),
  );
  process.stdout.write(JSON.stringify(result) + "\n");
} finally {
  client.disconnect();
  await redis.stop();
}

// Node and Redis failures, with real processes: a node SIGKILLed (no goodbye)
// and redis-server restarted with and without persistence.
import { Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { startLocalRedis } from "../../scripts/local-redis.js";
import type { PresenceServer } from "../../src/server/server.js";
import { errorOf, eventually, RawPeer, SECRET, startServer } from "../e2e/harness.js";
import { startNodeProcess } from "../../scripts/node-process.js";

const LEASE_TTL_MS = 1000;
/** The documented bound on noticing a dead node: the lease, plus a check interval (a third of it). */
const NOTICE_BOUND_MS = LEASE_TTL_MS + LEASE_TTL_MS / 3;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const changedStatuses = (frame: Frame): UserStatus[] => (frame.body?.$case === "userStatusChanged" ? frame.body.value.statuses : []);
const pushesOf = (raw: RawPeer, userId: string) => raw.frames.flatMap(changedStatuses).filter((status) => status.userId === userId);

async function peer(url: string, userId: string): Promise<RawPeer> {
  const raw = await RawPeer.open(url);
  cleanups.push(() => raw.close());
  expect((await raw.login(userId)).body?.$case).toBe("loginResponse");
  return raw;
}

async function node(redisUrl: string, options: Parameters<typeof startServer>[0] = {}): Promise<PresenceServer> {
  const server = await startServer({ redisUrl, leaseTtlMs: LEASE_TTL_MS, ...options });
  cleanups.push(() => server.close());
  return server;
}

it("removes a SIGKILLed node's devices once its lease expires: OFFLINE, custom status cleared, each subscriber told once, no version gap, and its subscribers' lists retained then cleared", async () => {
  const redis = await startLocalRedis();
  cleanups.push(() => redis.stop());
  const retentionMs = 1500;
  const doomed = await startNodeProcess({ PRESENCE_SECRET: SECRET, PRESENCE_REDIS_URL: redis.url, PRESENCE_LEASE_TTL_MS: String(LEASE_TTL_MS), PRESENCE_LIMIT_SUBSCRIPTION_RETENTION_MS: String(retentionMs) });
  cleanups.push(() => doomed.kill());
  const survivor = await node(redis.url, { app: { plan: "premium", featureEnabled: true, limits: { subscriptionRetentionMs: retentionMs } } });

  const alice = await peer(doomed.url, "alice");
  await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "busy" } });
  const bob = await peer(survivor.url, "bob");
  const dave = await peer(doomed.url, "dave");
  await dave.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["bob"] } });
  const subscribed = await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  const before = (subscribed.body?.$case === "subscribeUserStatusResponse" && subscribed.body.value.statuses[0]) as UserStatus;
  expect(before).toMatchObject({ customStatus: "busy", statusType: UserStatusType.USER_STATUS_TYPE_ONLINE });
  expect(await survivor.engine.subscriptionsOf("dave")).toEqual(["bob"]);

  const killedAt = Date.now();
  await doomed.kill("SIGKILL");
  const pushed = await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice"), 10_000);
  const noticedAfterMs = Date.now() - killedAt;
  expect(changedStatuses(pushed)[0]).toMatchObject({
    statusType: UserStatusType.USER_STATUS_TYPE_OFFLINE,
    customStatus: "",
    onlineDevices: [],
    reason: StatusChangeReason.STATUS_CHANGE_REASON_NODE_LOST,
    version: before.version + 1n,
  });
  // Generous slack over the bound for a loaded machine: the guarantee, not a performance figure.
  expect(noticedAfterMs).toBeLessThan(NOTICE_BOUND_MS + 3000);
  // dave's list is kept for the retention time, then cleared by the survivor (the node that set it is dead).
  await eventually(async () => ((await survivor.engine.subscriptionsOf("dave")).length === 0 ? true : undefined), retentionMs + 5000, "dave's list to be cleared");
  expect((await survivor.engine.statusOf("dave"))?.statusType).toBe(UserStatusType.USER_STATUS_TYPE_OFFLINE);
  expect(pushesOf(bob, "alice")).toHaveLength(1);
});

it("survives a Redis restart without persistence: typed errors meanwhile, then a new epoch, devices registered again, and subscriptions made again converge", async () => {
  const redis = await startLocalRedis({ persistence: false });
  cleanups.push(() => redis.stop());
  const [a, b] = [await node(redis.url), await node(redis.url)];
  const alice = await peer(a.url, "alice");
  const bob = await peer(b.url, "bob");
  await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  const oldEpoch = a.cluster!.store.epoch;

  await redis.stop();
  cleanups.pop();
  const down = await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "while redis is down" } });
  expect(errorOf(down)).toMatchObject({ code: ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE });
  expect(errorOf(down).retryAfterMs).toBeGreaterThan(0);
  const health = await (await fetch(a.url.replace(/^ws/, "http").replace("/presence", "/healthz"))).json();
  expect(health).toMatchObject({ status: "degraded" });

  const back = await startLocalRedis({ port: redis.port });
  cleanups.push(() => back.stop());
  await eventually(() => (a.cluster!.store.epoch !== oldEpoch && b.cluster!.store.epoch === a.cluster!.store.epoch ? true : undefined), 15_000, "both nodes to adopt the new epoch");
  // Each node registered its connections again: everyone ONLINE in the new epoch.
  await eventually(async () => ((await b.engine.statusOf("alice"))?.statusType === UserStatusType.USER_STATUS_TYPE_ONLINE ? true : undefined), 10_000, "alice registered again");
  const newEpoch = a.cluster!.store.epoch;
  await alice.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice" && s.epoch === newEpoch), 10_000);
  // The lists were lost with the data; bob subscribes again and follows alice in the new epoch.
  const again = await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  expect(again.body).toMatchObject({ value: { statuses: [{ userId: "alice", epoch: newEpoch, statusType: UserStatusType.USER_STATUS_TYPE_ONLINE }] } });
  const answer = await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "back" } });
  expect(answer.body?.$case).toBe("setSelfStatusResponse");
  await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice" && s.customStatus === "back" && s.epoch === newEpoch));
});

it("survives a Redis restart with persistence: the same epoch, subscriptions kept, a loss while Redis was away applied once it is back, notifications flowing again", async () => {
  const redis = await startLocalRedis({ persistence: true });
  cleanups.push(() => redis.stop());
  const [a, b] = [await node(redis.url), await node(redis.url)];
  const alice = await peer(a.url, "alice");
  const bob = await peer(b.url, "bob");
  const carol = await peer(a.url, "carol");
  await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "saved" } });
  await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice" && s.customStatus === "saved"));
  const epoch = a.cluster!.store.epoch;
  // appendfsync everysec: give the file its second before a clean restart.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await redis.restart({
    whileDown: async () => {
      // carol's connection ends while her device cannot be removed from Redis.
      carol.close();
      await eventually(() => (a.connectionCount === 2 ? true : undefined), 5000, "node a to see carol gone");
    },
  });
  await eventually(() => (a.cluster!.healthy && b.cluster!.healthy ? true : undefined), 15_000, "both nodes to reconnect");
  expect(a.cluster!.store.epoch).toBe(epoch);
  await eventually(async () => ((await b.engine.statusOf("carol"))?.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE ? true : undefined), 10_000, "carol's lost device to be removed");
  expect(await b.engine.subscriptionsOf("bob")).toEqual(["alice"]);
  await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "after restart" } });
  await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice" && s.customStatus === "after restart" && s.epoch === epoch));
});

it("pushes a change published while a node's pub/sub link was down once the node is back", async () => {
  const redis = await startLocalRedis();
  cleanups.push(() => redis.stop());
  const [a, b] = [await node(redis.url), await node(redis.url)];
  const alice = await peer(a.url, "alice");
  const bob = await peer(b.url, "bob");
  await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  const admin = await startAdminLink(redis.url);
  // Cut every subscriber link, then change at once: the publish finds no one listening on node b's channel.
  await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
  const answer = await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "missed" } });
  const version = answer.body?.$case === "setSelfStatusResponse" ? answer.body.value.status!.version : 0n;
  await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice" && s.version === version), 10_000);
  expect(pushesOf(bob, "alice").filter((s) => s.version === version).length).toBeGreaterThanOrEqual(1);
});

it("leaves the devices it could not remove at shutdown to a survivor: its lease expires and they go OFFLINE with NODE_LOST", async () => {
  const redis = await startLocalRedis();
  cleanups.push(() => redis.stop());
  const [leaving, survivor] = [await node(redis.url), await node(redis.url, { app: { plan: "premium", featureEnabled: true } })];
  await peer(leaving.url, "alice");
  const bob = await peer(survivor.url, "bob");
  await bob.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["alice"] } });
  const admin = await startAdminLink(redis.url);
  // Scripts refused: the removal of alice's device fails at shutdown, plain commands still work.
  await admin.call("ACL", "SETUSER", "default", "-eval", "-evalsha");
  cleanups.push(() => admin.call("ACL", "SETUSER", "default", "+@all"));
  await leaving.close();
  await admin.call("ACL", "SETUSER", "default", "+@all");
  const pushed = await bob.push((frame) => changedStatuses(frame).some((s) => s.userId === "alice"), 10_000);
  expect(changedStatuses(pushed).find((s) => s.userId === "alice")).toMatchObject({
    statusType: UserStatusType.USER_STATUS_TYPE_OFFLINE,
    reason: StatusChangeReason.STATUS_CHANGE_REASON_NODE_LOST,
  });
});

async function startAdminLink(url: string): Promise<Redis> {
  const admin = new Redis(url);
  cleanups.push(() => admin.disconnect());
  await admin.ping();
  return admin;
}

// Three server nodes and one real redis-server, in this process: clients on
// different nodes see one presence world, as with one server.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { Relayed } from "../../src/engine/index.js";
import type { PresenceServer, ServerOptions } from "../../src/server/server.js";
import { startLocalRedis, type LocalRedis } from "../../scripts/local-redis.js";
import { startBalancer } from "../support/balancer.js";
import { errorOf, eventually, RawPeer, sdkClient, startServer } from "../e2e/harness.js";

let redis: LocalRedis;
beforeAll(async () => {
  redis = await startLocalRedis();
});
afterAll(() => redis.stop());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let clusters = 0;
/** `count` nodes sharing a fresh key space of the test's Redis. */
async function cluster(count: number, options: ServerOptions = {}): Promise<PresenceServer[]> {
  const prefix = `c${++clusters}`;
  const nodes: PresenceServer[] = [];
  for (let i = 0; i < count; i++) {
    const node = await startServer({ ...options, redisUrl: `${redis.url}`, nodeId: `${prefix}-n${i}`, leaseTtlMs: 1000, clusterKeyPrefix: `${prefix}:` });
    cleanups.push(() => node.close());
    nodes.push(node);
  }
  return nodes;
}

async function peer(node: PresenceServer, userId: string, deviceId = "raw"): Promise<RawPeer> {
  const raw = await RawPeer.open(node.url);
  cleanups.push(() => raw.close());
  const answer = await raw.login(userId, undefined, deviceId);
  expect(answer.body?.$case).toBe("loginResponse");
  return raw;
}

const changedStatuses = (frame: Frame): UserStatus[] => (frame.body?.$case === "userStatusChanged" ? frame.body.value.statuses : []);
const pushOf = (raw: RawPeer, userId: string, match: (status: UserStatus) => boolean = () => true) =>
  raw.push((frame) => changedStatuses(frame).some((status) => status.userId === userId && match(status)));
const pushesOf = (raw: RawPeer, userId: string) => raw.frames.flatMap(changedStatuses).filter((status) => status.userId === userId);

describe("three nodes on one Redis", () => {
  it("subscribes on one node to a user on another and is notified across nodes, each change once", async () => {
    const [a, b] = await cluster(3);
    const bob = await peer(b!, "bob");
    const alice = await peer(a!, "alice");
    const subscribed = await alice.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["bob"] } });
    expect(subscribed.body).toMatchObject({ $case: "subscribeUserStatusResponse", value: { statuses: [{ userId: "bob", statusType: UserStatusType.USER_STATUS_TYPE_ONLINE }] } });
    await bob.request({ $case: "setSelfStatusRequest", value: { customStatus: "on node b" } });
    const pushed = await pushOf(alice, "bob", (s) => s.customStatus === "on node b");
    const status = changedStatuses(pushed)[0]!;
    expect(status.epoch).toBe(a!.cluster!.store.epoch);
    expect(status.epoch).toBeGreaterThan(0n);
    bob.close();
    await pushOf(alice, "bob", (s) => s.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE);
    expect(pushesOf(alice, "bob").map((s) => [s.version, s.customStatus])).toEqual([
      [2n, "on node b"],
      [3n, ""],
    ]);
  });

  it("keeps one status per user over devices on different nodes, and syncs the user's own devices across nodes", async () => {
    const [a, b, c] = await cluster(3);
    const phone = await peer(a!, "carol", "phone");
    const laptop = await peer(b!, "carol", "laptop");
    await pushOf(phone, "carol", (s) => s.onlineDevices.length === 2);
    const query = await (await peer(c!, "dave")).request({ $case: "getUserStatusRequest", value: { userIds: ["carol"] } });
    expect(query.body).toMatchObject({ value: { statuses: [{ onlineDevices: [{ deviceId: "phone" }, { deviceId: "laptop" }] }] } });
    await laptop.request({ $case: "setSelfStatusRequest", value: { customStatus: "typing" } });
    await pushOf(phone, "carol", (s) => s.customStatus === "typing");
    phone.close();
    await pushOf(laptop, "carol", (s) => s.onlineDevices.length === 1 && s.statusType === UserStatusType.USER_STATUS_TYPE_ONLINE);
  });

  it("shares one rate-limit budget between two devices of a user on two nodes", async () => {
    const [a, b] = await cluster(2);
    const one = await peer(a!, "erin", "one");
    const two = await peer(b!, "erin", "two");
    const answers: Frame[] = [];
    const query = { $case: "getUserStatusRequest" as const, value: { userIds: ["erin", "zed"] } };
    for (let i = 0; i < 10; i++) answers.push(await one.request(query));
    for (let i = 0; i < 11; i++) answers.push(await two.request(query));
    expect(answers.slice(0, 20).every((f) => f.body?.$case === "getUserStatusResponse")).toBe(true);
    expect(errorOf(answers[20]!)).toMatchObject({ code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT });
    expect(errorOf(answers[20]!).retryAfterMs).toBeGreaterThan(0);
  });

  it("evicts the earliest subscription at the 201st, named in the response, whichever node each subscribe went to", async () => {
    const ids = Array.from({ length: 201 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    const [a, b] = await cluster(2, { users: ids });
    const first = await peer(a!, "fay", "first");
    const second = await peer(b!, "fay", "second");
    for (let i = 0; i < 200; i += 100) {
      const via = i === 0 ? first : second;
      const answer = await via.request({ $case: "subscribeUserStatusRequest", value: { userIds: ids.slice(i, i + 100) } });
      expect(answer.body?.$case).toBe("subscribeUserStatusResponse");
    }
    const last = await first.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["t200"] } });
    expect(last.body).toMatchObject({ $case: "subscribeUserStatusResponse", value: { evictedUserIds: ["t000"] } });
    expect(await a!.engine.subscriptionsOf("fay")).toHaveLength(200);
  });

  it("notifies friends across nodes when friend auto-notification is on", async () => {
    const [a, b] = await cluster(2, { app: { plan: "basic", featureEnabled: true, friendAutoNotify: true }, friends: { gus: ["hal"] } });
    const hal = await peer(b!, "hal");
    const gus = await peer(a!, "gus");
    await pushOf(hal, "gus", (s) => s.statusType === UserStatusType.USER_STATUS_TYPE_ONLINE);
    gus.close();
    await pushOf(hal, "gus", (s) => s.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE && s.reason === StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
  });

  it("reaches every node with a switch changed on one: the next query of others gets 72001", async () => {
    const [a, b] = await cluster(2);
    const ivy = await peer(b!, "ivy");
    await a!.engine.updateSwitches({ featureEnabled: false });
    await eventually(() => (b!.engine.settings.featureEnabled ? undefined : true), 5000, "node b to adopt the switch");
    const refused = await ivy.request({ $case: "getUserStatusRequest", value: { userIds: ["jon"] } });
    expect(errorOf(refused).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
  });

  it("reaches every node with a limit changed on one: the next query over the new batch size gets 70206", async () => {
    const [a, b] = await cluster(2, { users: ["x1", "x2"] });
    const ivy = await peer(b!, "ivy");
    await a!.engine.updateLimits({ maxQueryUsers: 1 });
    await eventually(() => (b!.engine.settings.limits.maxQueryUsers === 1 ? true : undefined), 5000, "node b to adopt the limit");
    const refused = await ivy.request({ $case: "getUserStatusRequest", value: { userIds: ["x1", "x2"] } });
    expect(errorOf(refused).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
  });

  it("kicks a device held by another node: it gets 72115 and closes, and watchers see reason KICKED", async () => {
    const [a, b] = await cluster(2);
    const lea = await peer(b!, "lea", "phone");
    const watcher = await peer(a!, "max");
    await watcher.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["lea"] } });
    expect(await a!.engine.kick("lea")).toEqual(["phone"]);
    expect(await lea.closed()).toBe(1008);
    expect(errorOf(lea.frames.at(-1)!).code).toBe(ErrorCode.ERROR_CODE_KICKED);
    await pushOf(watcher, "lea", (s) => s.reason === StatusChangeReason.STATUS_CHANGE_REASON_KICKED && s.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE);
  });

  it("replaces a device's older connection held by another node", async () => {
    const [a, b] = await cluster(2);
    const old = await peer(a!, "kim", "tablet");
    await peer(b!, "kim", "tablet");
    expect(await old.closed()).toBe(1008);
    expect(errorOf(old.frames.at(-1)!).code).toBe(ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN);
    const status = (await b!.engine.statusOf("kim"))!;
    expect(status.onlineDevices.map((d) => d.deviceId)).toEqual(["tablet"]);
    // The older connection is no longer the device's: its loss changed nothing.
    await a!.engine.idle();
    expect((await a!.engine.statusOf("kim"))!.version).toBe(status.version);
  });
});

/** Alice's SDK client behind a balancer, on node a and subscribed to bob on node c; `moveToB` points the balancer at node b. */
async function aliceOnAWatchingBob() {
  const [a, b, c] = await cluster(3);
  let target = a!.port;
  const balancer = await startBalancer(() => [target]);
  cleanups.push(() => balancer.close());
  const bob = await peer(c!, "bob");
  const client = sdkClient(a!, "alice", { url: `ws://127.0.0.1:${balancer.port}/presence`, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  cleanups.push(() => client.close());
  const seen = new Map<string, UserStatus>();
  client.onUserStatusChanged((statuses) => statuses.forEach((s) => seen.set(s.userId, s)));
  await client.login();
  const { statuses } = await client.subscribeUserStatus(["bob"]);
  statuses.forEach((s) => seen.set(s.userId, s));
  return { a: a!, b: b!, bob, client, seen, moveToB: () => (target = b!.port) };
}

describe("a client behind a load balancer", () => {
  it("reconnects to another node when its node shuts down, subscribes again there, and ends with the server's view", async () => {
    const { a, b, bob, client, seen, moveToB } = await aliceOnAWatchingBob();
    const states: string[] = [];
    client.onStateChanged((state) => states.push(state));
    moveToB();
    await a.close();
    await eventually(() => (states.includes("reconnecting") && client.state === "online" ? true : undefined), 10_000, "the client back online");
    await eventually(async () => ((await b.engine.statusOf("alice"))?.onlineDevices.length === 1 && (await b.engine.subscriptionsOf("alice")).includes("bob") ? true : undefined), 10_000, "alice back on node b, subscribed");
    await bob.request({ $case: "setSelfStatusRequest", value: { customStatus: "seen from b" } });
    await eventually(() => (seen.get("bob")?.customStatus === "seen from b" ? true : undefined), 10_000, "alice to see bob's change");
    // The SDK's statuses also carry the decoder's (empty) unknown fields; every protocol field must agree.
    expect(seen.get("bob")).toMatchObject({ ...(await b.engine.statusOf("bob")) });
  });

  // Alice's retained list already names bob on node b, so bob's change goes to her new connection
  // whatever the SDK's re-subscription is doing. Here the change commits while the re-subscription runs
  // on node b, whose answer carries it; the relayed push reaches node b after that answer.
  it("passes on a change that crosses the re-subscription on the new node, answered before it is pushed", async () => {
    const { a, b, bob, client, seen, moveToB } = await aliceOnAWatchingBob();
    const store = b.cluster!.store;
    const commit = store.commit.bind(store);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let stalled!: () => void;
    const resubscribing = new Promise<void>((resolve) => (stalled = resolve));
    // The re-subscription waits on node b before committing alice's list and reading bob for its answer.
    vi.spyOn(store, "commit").mockImplementation(async (writes) => {
      if (writes.some((write) => write.kind === "subscriptions" && write.userId === "alice")) {
        stalled();
        await resumed;
      }
      return commit(writes);
    });
    const deliverRelayed = b.engine.deliverRelayed.bind(b.engine);
    let held!: (relayed: Relayed) => void;
    const relayed = new Promise<Relayed>((resolve) => (held = resolve));
    vi.spyOn(b.engine, "deliverRelayed").mockImplementation((message) => {
      if (![...message.outbox.values()].some((statuses) => statuses.some((s) => s.customStatus === "crossing"))) return deliverRelayed(message);
      held(message);
      return Promise.resolve();
    });
    cleanups.push(() => {
      resume(); // a failed run must not leave node b's shutdown behind the stalled commit
      vi.restoreAllMocks();
    });

    moveToB();
    await a.close();
    await resubscribing;
    await bob.request({ $case: "setSelfStatusRequest", value: { customStatus: "crossing" } });
    const push = await relayed;
    resume();
    await eventually(() => (client.latestStatus("bob")?.customStatus === "crossing" ? true : undefined), 5000, "the re-subscription's answer");
    await deliverRelayed(push);
    await eventually(() => (seen.get("bob")?.customStatus === "crossing" ? true : undefined), 5000, "alice to see bob's change");
    expect(seen.get("bob")).toMatchObject({ ...(await b.engine.statusOf("bob")) });
  });
});

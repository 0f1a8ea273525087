// The store boundary: what every PresenceStore promises (compare-and-set
// commits, the subscribers index, switches), and what the engine does over a
// store that is slow, contended, shared by two nodes, or failing.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import {
  PresenceEngine,
  resolveAppConfig,
  simulatedTime,
  StoreContentionError,
  StoreUnavailableError,
  type EngineEffect,
  type PresenceStore,
  type StoreWrite,
  type UserRecord,
} from "../../src/engine/index.js";
import { answer, Bench, closedConnections, errorOf, framesTo, PREMIUM_ON, req, STORES } from "./harness.js";

const record = (userId: string, version: bigint): UserRecord => ({
  userId,
  devices: [],
  customStatus: "",
  disconnectedType: UserStatusType.USER_STATUS_TYPE_UNLOGINED,
  version,
  changedAtMs: 0n,
  reason: StatusChangeReason.STATUS_CHANGE_REASON_UNSPECIFIED,
  retainUntilMs: undefined,
});

/** A store in front of another that can fail, refuse commits as if another node had written first, and answer late. */
class ScriptedStore implements PresenceStore {
  failing = false;
  /** Fails every call as a store whose link is down. */
  unreachable = false;
  conflicts = 0;
  /** Each call answers after up to this many turns of the event loop, chosen at random. */
  maxDelay = 0;

  constructor(readonly inner: PresenceStore) {}

  get epoch() {
    return this.inner.epoch;
  }

  readUser = (userId: string) => this.call(() => this.inner.readUser(userId));
  readUsers = (userIds: readonly string[], each: Parameters<PresenceStore["readUsers"]>[1]) => this.call(() => this.inner.readUsers(userIds, each));
  readSubscriptions = (userId: string) => this.call(() => this.inner.readSubscriptions(userId));
  subscribersOf = (userIds: readonly string[]) => this.call(() => this.inner.subscribersOf(userIds));
  readRateWindows = (userId: string, operations: Parameters<PresenceStore["readRateWindows"]>[1]) => this.call(() => this.inner.readRateWindows(userId, operations));
  acquire = (...args: Parameters<PresenceStore["acquire"]>) => this.call(() => this.inner.acquire(...args));
  readSettings = () => this.call(() => this.inner.readSettings());
  writeSettings = (switches: Parameters<PresenceStore["writeSettings"]>[0]) => this.call(() => this.inner.writeSettings(switches));
  commit = (writes: readonly StoreWrite[]) =>
    this.call(async () => {
      if (this.conflicts === 0) return this.inner.commit(writes);
      this.conflicts--;
      return false;
    });

  private async call<T>(run: () => Promise<T>): Promise<T> {
    for (let turns = Math.floor(Math.random() * (this.maxDelay + 1)); turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
    if (this.failing) throw new Error("store failed");
    if (this.unreachable) throw new StoreUnavailableError("link down", 1500);
    return run();
  }
}

describe.each(STORES)("the $name store", ({ create }) => {
  it("commits only when every cell read is still at its revision, all writes or none", async () => {
    const store = create();
    const absent = await store.readUser("alice");
    expect(absent).toEqual({ value: undefined, revision: 0 });
    expect(await store.commit([{ kind: "user", userId: "alice", revision: 0, value: record("alice", 1n) }])).toBe(true);
    expect(await store.commit([{ kind: "user", userId: "alice", revision: 0, value: record("alice", 9n) }])).toBe(false);
    const read = await store.readUser("alice");
    const list = await store.readSubscriptions("alice");
    const stale: StoreWrite[] = [
      { kind: "subscriptions", userId: "alice", revision: list.revision, value: ["bob"] },
      { kind: "user", userId: "alice", revision: absent.revision, value: record("alice", 9n) },
    ];
    expect(await store.commit(stale)).toBe(false);
    expect((await store.readSubscriptions("alice")).value).toBeUndefined();
    expect(await store.commit([{ kind: "user", userId: "alice", revision: read.revision, value: record("alice", 2n) }])).toBe(true);
    const versions: (bigint | undefined)[] = [];
    await store.readUsers(["ghost", "alice"], (record, i) => (versions[i] = record?.version));
    expect(versions).toEqual([undefined, 2n]);
  });

  it("keeps who subscribes whom with the lists, and deletes a cell written empty", async () => {
    const store = create();
    await store.commit([{ kind: "subscriptions", userId: "s1", revision: 0, value: ["a", "b"] }]);
    await store.commit([{ kind: "subscriptions", userId: "s2", revision: 0, value: ["b"] }]);
    expect((await store.subscribersOf(["a", "b", "c"])).map((set) => set.sort())).toEqual([["s1"], ["s1", "s2"], []]);
    const s1 = await store.readSubscriptions("s1");
    await store.commit([{ kind: "subscriptions", userId: "s1", revision: s1.revision, value: [] }]);
    expect(await store.subscribersOf(["a", "b"])).toEqual([[], ["s2"]]);
    expect(await store.readSubscriptions("s1")).toEqual({ value: undefined, revision: 0 });
    // Written after the first question: the index follows the lists from then on.
    await store.commit([{ kind: "subscriptions", userId: "s3", revision: 0, value: ["a", "b"] }]);
    expect((await store.subscribersOf(["a", "b"])).map((set) => set.sort())).toEqual([["s3"], ["s2", "s3"]]);
  });

  it("keeps a rate window per user and operation class, and the settings", async () => {
    const store = create();
    await store.commit([{ kind: "rate", userId: "a", operation: "query", revision: 0, value: [5] }]);
    expect((await store.readRateWindows("a", ["query", "subscribe"])).map((c) => c.value)).toEqual([[5], undefined]);
    expect(await store.readSettings()).toEqual({});
    const settings = resolveAppConfig({ plan: "premium", featureEnabled: true, limits: { maxQueryUsers: 7 } });
    await store.writeSettings(settings);
    expect(await store.readSettings()).toEqual(settings);
  });
});

describe.each(STORES)("the engine over a $name store that is slow, contended, shared or failing", ({ create }) => {
  it("answers a store failure with INTERNAL_ERROR, keeps the connection, reports it, and recovers", async () => {
    const store = new ScriptedStore(create());
    const errors: unknown[] = [];
    const bench = new Bench({ store, onError: (error) => errors.push(error) });
    await bench.login("c1", "alice");
    store.failing = true;
    const failed = await bench.send("c1", req.setStatus("busy"), 7);
    expect(framesTo(failed, "c1")).toEqual([{ requestId: 7, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_INTERNAL_ERROR, retryAfterMs: 0 }) } }]);
    expect(closedConnections(failed)).toEqual([]);
    expect(errors).toHaveLength(1);
    bench.connect("c2");
    expect(errorOf(answer(await bench.send("c2", req.login("bob")), "c2")).code).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
    expect(answer(await bench.send("c1", req.ping()), "c1").$case).toBe("pong");
    store.failing = false;
    expect(answer(await bench.send("c2", req.login("bob")), "c2").$case).toBe("loginResponse");
    expect(answer(await bench.send("c1", req.setStatus("busy")), "c1")).toMatchObject({ value: { status: { version: 2n } } });
  });

  it("answers an unreachable store with TEMPORARILY_UNAVAILABLE and its retry-after, at login too, and keeps the connection", async () => {
    const store = new ScriptedStore(create());
    const bench = new Bench({ store, onError: () => undefined });
    await bench.login("c1", "alice");
    store.unreachable = true;
    const failed = await bench.send("c1", req.setStatus("busy"), 9);
    expect(framesTo(failed, "c1")).toEqual([
      { requestId: 9, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE, retryAfterMs: 1500 }) } },
    ]);
    expect(closedConnections(failed)).toEqual([]);
    bench.connect("c2");
    const login = errorOf(answer(await bench.send("c2", req.login("bob")), "c2"));
    expect(login).toMatchObject({ code: ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE, retryAfterMs: 1500 });
    store.unreachable = false;
    expect(answer(await bench.send("c2", req.login("bob")), "c2").$case).toBe("loginResponse");
  });

  it("retries a commit another writer beat, and gives up with INTERNAL_ERROR past the bound", async () => {
    const store = new ScriptedStore(create());
    const errors: unknown[] = [];
    const bench = new Bench({ store, onError: (error) => errors.push(error) });
    await bench.login("c1", "alice");
    store.conflicts = 3;
    expect(answer(await bench.send("c1", req.setStatus("busy")), "c1")).toMatchObject({ value: { status: { version: 2n } } });
    expect(errors).toEqual([]);
    store.conflicts = 100;
    expect(errorOf(answer(await bench.send("c1", req.setStatus("away")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INTERNAL_ERROR);
    store.conflicts = 0;
    expect(errors).toEqual([expect.any(StoreContentionError)]);
    expect((await bench.engine.statusOf("alice"))?.customStatus).toBe("busy");
  });

  it("shuts down past a failing store: the users whose devices stay in the store are reported, the others are removed", async () => {
    const store = new ScriptedStore(create());
    const errors: unknown[] = [];
    const bench = new Bench({ store, onError: (error) => errors.push(error) });
    await bench.login("c1", "alice");
    await bench.login("c2", "bob");
    store.conflicts = 1000; // every commit refused: no removal goes through
    expect(await bench.engine.shutDown()).toEqual(expect.arrayContaining(["alice", "bob"]));
    expect(errors).toHaveLength(2);
    store.conflicts = 0;
    expect((await store.readUser("alice")).value?.devices).toHaveLength(1);

    const healthy = new Bench({ store: create() });
    await healthy.login("c1", "alice");
    expect(await healthy.engine.shutDown()).toEqual([]);
    expect((await healthy.engine.statusOf("alice"))?.onlineDevices).toEqual([]);
  });

  it("answers a connection's requests in order and applies one user's transitions one at a time, however late the store answers", async () => {
    const store = new ScriptedStore(create());
    store.maxDelay = 3;
    const bench = new Bench({ store, config: PREMIUM_ON, users: ["bob"] });
    await bench.login("phone", "alice");
    await bench.login("laptop", "alice");
    bench.take();
    const pending = [];
    for (let i = 1; i <= 20; i++) {
      pending.push(bench.engine.receive(i % 2 ? "phone" : "laptop", { requestId: i, body: req.setStatus(`s${i}`) }));
      pending.push(bench.engine.receive("phone", { requestId: 100 + i, body: req.get("bob") }));
    }
    await Promise.all(pending);
    await bench.settle();
    const effects = bench.take();
    const answered = framesTo(effects, "phone").map((f) => f.requestId).filter((id) => id !== 0);
    expect(answered).toEqual([...answered].sort((a, b) => (a % 100 || 100) - (b % 100 || 100) || a - b));
    const versions = effects.flatMap((e) => (e.type === "send" && e.frame.body?.$case === "setSelfStatusResponse" ? [e.frame.body.value.status!.version] : []));
    expect([...versions].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 3)));
    expect((await bench.engine.statusOf("alice"))?.version).toBe(22n);
  });

  it("lets two nodes share a store: one world, each node serving its own connections", async () => {
    const shared = create();
    const { clock, timers } = simulatedTime(0);
    const effects: Record<string, EngineEffect[]> = { a: [], b: [] };
    const node = (name: "a" | "b") => {
      const store = new ScriptedStore(shared);
      store.maxDelay = 2;
      return new PresenceEngine({ clock, timers, nodeId: name, store, config: PREMIUM_ON, sink: (e) => effects[name]!.push(e) });
    };
    const a = node("a");
    const b = node("b");
    const login = (engine: PresenceEngine, id: string, userId: string) => {
      engine.connect(id);
      return engine.receive(id, { requestId: 1, body: req.login(userId, id) });
    };
    await Promise.all([login(a, "phone", "alice"), login(b, "laptop", "alice"), login(b, "bob1", "bob")]);
    await b.receive("bob1", { requestId: 2, body: req.subscribe("alice") });
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a.receive("phone", { requestId: 10 + i, body: req.setStatus(`a${i}`) }) : b.receive("laptop", { requestId: 10 + i, body: req.setStatus(`b${i}`) }))));
    await Promise.all([a.idle(), b.idle()]);
    const status = await a.statusOf("alice");
    expect(status?.onlineDevices.map((d) => d.deviceId).sort()).toEqual(["laptop", "phone"]);
    expect(status?.version).toBe(12n);
    expect(effects.a!.every((e) => e.connectionId === "phone")).toBe(true);
    const toBob = effects.b!.filter((e) => e.connectionId === "bob1" && e.type === "send" && e.frame.body?.$case === "userStatusChanged");
    expect(toBob.length).toBeGreaterThan(0);
    await a.updateSwitches({ friendAutoNotify: true });
    await b.refreshSettings();
    expect(b.settings.friendAutoNotify).toBe(true);
  });
});

// PresenceEngine.shutDown: the node goes away with every connection it holds.
// Their devices leave the store in one event, this node's connections are told
// nothing more, and receivers on other nodes still get each OFFLINE change.
import { describe, expect, it } from "vitest";
import {
  EngineError,
  InMemoryFriends,
  InMemoryPresenceStore,
  InMemoryUserDirectory,
  PresenceEngine,
  simulatedTime,
  type EngineEffect,
  type PresenceStore,
  type Relayed,
} from "../../src/engine/index.js";
import { Bench, notificationsTo, OFFLINE, PREMIUM_ON, R, req, STORES } from "./harness.js";

describe.each(STORES)("shutDown ($name store)", ({ create }) => {
  it("records every user it held OFFLINE (reason CONNECTION_CLOSED), tells its own connections nothing, and refuses new ones", async () => {
    const bench = new Bench({ config: PREMIUM_ON, store: create() });
    await bench.login("c1", "alice");
    await bench.login("c2", "bob", "phone");
    await bench.login("c3", "bob", "laptop");
    await bench.send("c2", req.subscribe("alice"));
    bench.connect("c4"); // never logs in
    const changes: string[] = [];
    bench.engine.onStatusChange((status) => changes.push(`${status.userId}:${status.statusType}`));
    bench.take();

    await bench.engine.shutDown();
    await bench.settle();

    expect(bench.take()).toEqual([]);
    expect(changes.sort()).toEqual([`alice:${OFFLINE}`, `bob:${OFFLINE}`]);
    for (const userId of ["alice", "bob"]) {
      expect(await bench.engine.statusOf(userId)).toMatchObject({ statusType: OFFLINE, reason: R.STATUS_CHANGE_REASON_CONNECTION_CLOSED, onlineDevices: [] });
    }
    expect(bench.engine.counts()).toEqual({ connections: 0, loggedIn: 0, onlineUsers: 0 });
    // No timer left: not the heartbeats, nor a retention timer per user (the deadline is in the store).
    expect(bench.timers.size).toBe(0);
    expect(() => bench.engine.connect("c5")).toThrow(EngineError);
    // A loss the transport reports afterwards changes nothing.
    const version = (await bench.engine.statusOf("alice"))?.version;
    await bench.engine.disconnect("c1");
    await bench.settle();
    expect((await bench.engine.statusOf("alice"))?.version).toBe(version);
    expect(changes).toHaveLength(2);
  });

  it("lets a login already running end first: its device leaves the store too", async () => {
    const bench = new Bench({ config: PREMIUM_ON, store: create() });
    bench.connect("c1");
    const running = bench.engine.receive("c1", { requestId: 1, body: req.login("alice", "phone") });
    await Promise.resolve(); // the login's event has started
    await bench.engine.shutDown();
    await running;
    await bench.settle();
    expect(await bench.engine.statusOf("alice")).toMatchObject({ statusType: OFFLINE, onlineDevices: [] });
  });
});

/** Two engines sharing one store, each relaying to the other as cluster nodes do. */
function twoNodes(store: PresenceStore) {
  const { clock, timers } = simulatedTime(1_700_000_000_000);
  const effects = new Map<string, EngineEffect[]>([
    ["a", []],
    ["b", []],
  ]);
  const engines = new Map<string, PresenceEngine>();
  const friends = new InMemoryFriends();
  for (const nodeId of ["a", "b"]) {
    engines.set(
      nodeId,
      new PresenceEngine({
        clock,
        timers,
        store,
        friends,
        nodeId,
        config: { ...PREMIUM_ON, friendAutoNotify: true },
        directory: new InMemoryUserDirectory(),
        sink: (effect) => effects.get(nodeId)!.push(effect),
        relay: (to: string, relayed: Relayed) => void engines.get(to)!.deliverRelayed(relayed),
        onError: (error) => {
          throw error;
        },
      }),
    );
  }
  return { a: engines.get("a")!, b: engines.get("b")!, effects, friends };
}

async function login(engine: PresenceEngine, connectionId: string, userId: string): Promise<void> {
  engine.connect(connectionId);
  await engine.receive(connectionId, { requestId: 1, body: req.login(userId, connectionId) });
}

describe("shutDown with a relay", () => {
  it("relays each OFFLINE change to the receivers on other nodes, and none to its own", async () => {
    const { a, b, effects, friends } = twoNodes(new InMemoryPresenceStore());
    await friends.befriendAll([["carol", "alice"]]);
    await login(a, "a1", "alice");
    await login(a, "a2", "erin");
    await login(b, "b1", "watcher");
    await login(b, "b2", "carol");
    await b.receive("b1", { requestId: 2, body: req.subscribe("alice", "erin") });
    await a.receive("a2", { requestId: 2, body: req.subscribe("alice") });
    await Promise.all([a.idle(), b.idle()]);
    effects.get("a")!.length = 0;
    effects.get("b")!.length = 0;

    await a.shutDown();
    await Promise.all([a.idle(), b.idle()]);

    expect(effects.get("a")).toEqual([]);
    const offline = (connectionId: string) =>
      notificationsTo(effects.get("b")!, connectionId)
        .flat()
        .filter((s) => s.statusType === OFFLINE)
        .map((s) => s.userId)
        .sort();
    expect(offline("b1")).toEqual(["alice", "erin"]);
    expect(offline("b2")).toEqual(["alice"]);
  });
});

describe("shutDown of a node on the in-memory store", () => {
  it("leaves its recipient index behind: a node started on the same store delivers as before", async () => {
    const store = new InMemoryPresenceStore();
    const first = new Bench({ config: PREMIUM_ON, store });
    await first.login("c1", "alice");
    await first.login("c2", "bob");
    await first.send("c2", req.subscribe("alice"));
    await first.engine.shutDown();
    await first.settle();

    const second = new Bench({ config: { ...PREMIUM_ON, friendAutoNotify: true }, store });
    expect((store as unknown as { observers: unknown[] }).observers).toHaveLength(1);
    second.friends.befriend("alice", "carol");
    await second.login("c1", "bob");
    await second.send("c1", req.subscribe("alice"));
    await second.login("c2", "carol");
    second.take();
    const effects = await second.login("c3", "alice");
    // bob as a subscriber, carol as a friend
    for (const connection of ["c1", "c2"]) expect(notificationsTo(effects, connection).flat().map((s) => s.userId)).toEqual(["alice"]);
  });

  it("stops the index following: the store and the friends tell a stopped listener nothing more", async () => {
    const store = new InMemoryPresenceStore();
    const friends = new InMemoryFriends();
    const heard: string[] = [];
    const stopStore = store.observe((write) => heard.push(`${write.kind}:${write.userId}`));
    const stopFriends = friends.observe((a, b) => heard.push(`${a}+${b}`));
    friends.befriend("a", "b");
    await store.commit([{ kind: "subscriptions", userId: "a", revision: 0, value: ["b"] }]);
    stopStore();
    stopFriends();
    stopFriends();
    friends.befriend("a", "c");
    await store.commit([{ kind: "subscriptions", userId: "c", revision: 0, value: ["a"] }]);
    expect(heard).toEqual(["a+b", "subscriptions:a"]);
  });
});

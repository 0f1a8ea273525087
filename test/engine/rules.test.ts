// One block per rule of docs/engine.md, numbered the same way.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { Platform, StatusChangeReason, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import { SPEC_LIMITS } from "../../src/protocol/index.js";
import {
  answer,
  Bench,
  closedConnections,
  errorOf,
  framesTo,
  notificationsTo,
  notifiedConnections,
  PREMIUM_ON,
  req,
  type Body,
} from "./harness.js";

const { ONLINE, OFFLINE, UNLOGINED } = {
  ONLINE: UserStatusType.USER_STATUS_TYPE_ONLINE,
  OFFLINE: UserStatusType.USER_STATUS_TYPE_OFFLINE,
  UNLOGINED: UserStatusType.USER_STATUS_TYPE_UNLOGINED,
};
const R = StatusChangeReason;

function loginResponse(body: Body) {
  if (body.$case !== "loginResponse") throw new Error(`expected loginResponse, got ${body.$case}`);
  return body.value;
}

describe("Rule 1: status is per user, not per device", () => {
  it("is UNLOGINED before the first login, ONLINE while any device is logged in, OFFLINE after the last connection is lost", () => {
    const bench = new Bench({ users: ["alice"] });
    expect(bench.engine.statusOf("alice")?.statusType).toBe(UNLOGINED);
    bench.login("phone", "alice");
    bench.login("laptop", "alice");
    expect(bench.engine.statusOf("alice")?.onlineDevices.map((d) => d.deviceId)).toEqual(["phone", "laptop"]);
    bench.drop("phone");
    expect(bench.engine.statusOf("alice")?.statusType).toBe(ONLINE);
    expect(bench.engine.statusOf("alice")?.onlineDevices.map((d) => d.deviceId)).toEqual(["laptop"]);
    bench.drop("laptop");
    expect(bench.engine.statusOf("alice")).toMatchObject({ statusType: OFFLINE, onlineDevices: [], reason: R.STATUS_CHANGE_REASON_CONNECTION_CLOSED });
  });

  it("is UNLOGINED after the last device logs out, and still ONLINE while another device remains", () => {
    const bench = new Bench();
    bench.login("phone", "alice");
    bench.login("laptop", "alice");
    const first = bench.send("phone", req.logout());
    expect(answer(first, "phone").$case).toBe("logoutResponse");
    expect(closedConnections(first)).toEqual([{ connectionId: "phone", code: ErrorCode.ERROR_CODE_UNSPECIFIED }]);
    expect(bench.engine.statusOf("alice")?.statusType).toBe(ONLINE);
    bench.send("laptop", req.logout());
    expect(bench.engine.statusOf("alice")).toMatchObject({ statusType: UNLOGINED, reason: R.STATUS_CHANGE_REASON_LOGOUT });
  });

  it("keeps the device list in login order with each device's platform, and a fresh id for a login without one", () => {
    const bench = new Bench();
    bench.login("c1", "alice", "phone", Platform.PLATFORM_ANDROID);
    bench.connect("c2");
    const login = loginResponse(answer(bench.send("c2", req.login("alice", "", Platform.PLATFORM_WEB)), "c2"));
    expect(login.deviceId).toMatch(/^auto-/);
    expect(login.selfStatus?.onlineDevices).toEqual([
      { deviceId: "phone", platform: Platform.PLATFORM_ANDROID },
      { deviceId: login.deviceId, platform: Platform.PLATFORM_WEB },
    ]);
  });

  it("replaces the connection of a device id that logs in again, without the user ever leaving ONLINE", () => {
    const bench = new Bench();
    bench.login("old", "alice", "phone");
    bench.connect("new");
    const effects = bench.send("new", req.login("alice", "phone"));
    expect(framesTo(effects, "old")).toEqual([
      { requestId: 0, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN }) } },
    ]);
    expect(closedConnections(effects)).toEqual([{ connectionId: "old", code: ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN }]);
    expect(bench.engine.statusOf("alice")).toMatchObject({ statusType: ONLINE, onlineDevices: [{ deviceId: "phone" }], version: 2n });
    // The replaced connection is gone: its frames are dropped and its disconnect changes nothing.
    expect(bench.send("old", req.ping())).toEqual([]);
    expect(bench.drop("old")).toEqual([]);
    expect(bench.engine.statusOf("alice")?.statusType).toBe(ONLINE);
  });
});

describe("Rule 2: heartbeat timeout and the announced interval", () => {
  it("announces the heartbeat interval and timeout in the login answer", () => {
    const bench = new Bench({ config: { limits: { heartbeatIntervalMs: 30_000, heartbeatTimeoutMs: 100_000 } } });
    bench.connect("c1");
    const limits = loginResponse(answer(bench.send("c1", req.login("alice")), "c1")).limits;
    expect(limits).toMatchObject({ heartbeatIntervalMs: 30_000, heartbeatTimeoutMs: 100_000, maxQueryUsers: SPEC_LIMITS.maxQueryUsers });
  });

  it("closes a connection silent for 400 s and counts it as lost (OFFLINE, reason heartbeat timeout)", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    expect(bench.advance(SPEC_LIMITS.heartbeatTimeoutMs - 1)).toEqual([]);
    const effects = bench.advance(1);
    expect(errorOf(answerOrPush(framesTo(effects, "c1"))).code).toBe(ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT);
    expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
    expect(bench.engine.statusOf("alice")).toMatchObject({ statusType: OFFLINE, reason: R.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT });
  });

  it("counts the timeout from the last frame received, of any kind", () => {
    const bench = new Bench({ users: ["bob"] });
    bench.login("c1", "alice");
    bench.advance(300_000);
    bench.send("c1", req.get("alice")); // not a ping, still proof of life
    expect(closedConnections(bench.advance(399_999))).toEqual([]);
    expect(closedConnections(bench.advance(1))).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
  });

  it("answers a ping with a pong echoing the client time and the request id", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    const frames = framesTo(bench.send("c1", req.ping(42n), 77), "c1");
    expect(frames).toEqual([{ requestId: 77, body: { $case: "pong", value: { clientTimeMs: 42n, serverTimeMs: BigInt(bench.clock.now()) } } }]);
  });

  it("closes a connection that does not log in within the login timeout", () => {
    const bench = new Bench();
    bench.connect("c1");
    expect(bench.advance(SPEC_LIMITS.loginTimeoutMs - 1)).toEqual([]);
    const effects = bench.advance(1);
    expect(errorOf(answerOrPush(framesTo(effects, "c1"))).code).toBe(ErrorCode.ERROR_CODE_LOGIN_TIMEOUT);
    expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_LOGIN_TIMEOUT }]);
  });
});

function answerOrPush(frames: { requestId: number; body?: Body | undefined }[]): Body {
  const body = frames[0]?.body;
  if (frames.length !== 1 || !body) throw new Error(`expected one frame, got ${frames.length}`);
  return body;
}

describe("Rule 3: custom status", () => {
  it("is set by its owner, cleared by the empty string, and each change is a new version", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    const set = answer(bench.send("c1", req.setStatus("listening to music")), "c1");
    expect(set).toMatchObject({ $case: "setSelfStatusResponse", value: { status: { customStatus: "listening to music", version: 2n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET } } });
    const cleared = answer(bench.send("c1", req.setStatus("")), "c1");
    expect(cleared).toMatchObject({ value: { status: { customStatus: "", version: 3n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED } } });
  });

  it("accepts 100 UTF-8 bytes and rejects 101 with INVALID_PARAMETERS", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    const hundredBytes = "é".repeat(50);
    expect(answer(bench.send("c1", req.setStatus(hundredBytes)), "c1").$case).toBe("setSelfStatusResponse");
    expect(errorOf(answer(bench.send("c1", req.setStatus(`${hundredBytes}x`)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
    expect(bench.engine.statusOf("alice")?.customStatus).toBe(hundredBytes);
  });

  it("setting the value already held is not a change", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    bench.login("c2", "alice");
    bench.send("c1", req.setStatus("busy"));
    const again = bench.send("c1", req.setStatus("busy"));
    expect(notifiedConnections(again)).toEqual([]);
    expect(bench.engine.statusOf("alice")?.version).toBe(3n);
  });

  it.each([
    ["OFFLINE", (bench: Bench) => bench.drop("c1"), OFFLINE, R.STATUS_CHANGE_REASON_CONNECTION_CLOSED],
    ["UNLOGINED", (bench: Bench) => bench.send("c1", req.logout()), UNLOGINED, R.STATUS_CHANGE_REASON_LOGOUT],
  ] as const)("is cleared when the user becomes %s, in the same notified change", (_, leave, statusType, reason) => {
    const bench = new Bench({ config: PREMIUM_ON });
    bench.login("c1", "alice");
    bench.login("s1", "bob");
    bench.send("s1", req.subscribe("alice"));
    bench.send("c1", req.setStatus("busy"));
    const effects = leave(bench);
    expect(notificationsTo(effects, "s1")).toEqual([[expect.objectContaining({ userId: "alice", statusType, customStatus: "", version: 3n, reason })]]);
  });
});

describe("Rule 4: notifications", () => {
  it("go to the user's other devices, not to the device that made the change", () => {
    const bench = new Bench();
    bench.login("phone", "alice");
    bench.login("laptop", "alice");
    const effects = bench.send("phone", req.setStatus("busy"));
    expect(notifiedConnections(effects)).toEqual(["laptop"]);
    expect(notificationsTo(effects, "laptop")).toEqual([[expect.objectContaining({ customStatus: "busy", version: 3n, changedAtMs: BigInt(bench.clock.now()) })]]);
  });

  it("go to every connection of every subscriber", () => {
    const bench = new Bench({ config: PREMIUM_ON });
    bench.login("a", "alice");
    bench.login("b1", "bob");
    bench.login("b2", "bob");
    bench.send("b1", req.subscribe("alice"));
    expect(notifiedConnections(bench.send("a", req.setStatus("busy"))).sort()).toEqual(["b1", "b2"]);
  });

  it("go to friends only while the friend auto-notification switch is on", () => {
    const bench = new Bench();
    bench.friends.befriend("alice", "carol");
    bench.login("a", "alice");
    bench.login("c", "carol");
    expect(notifiedConnections(bench.send("a", req.setStatus("one")))).toEqual([]);
    bench.engine.updateSwitches({ friendAutoNotify: true });
    expect(notifiedConnections(bench.send("a", req.setStatus("two")))).toEqual(["c"]);
  });

  it("reach a receiver who is both friend and subscriber once", () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, friendAutoNotify: true } });
    bench.friends.befriend("alice", "bob");
    bench.login("a", "alice");
    bench.login("b", "bob");
    bench.send("b", req.subscribe("alice"));
    const effects = bench.send("a", req.setStatus("busy"));
    expect(notificationsTo(effects, "b")).toEqual([[expect.objectContaining({ userId: "alice", version: 2n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET })]]);
  });

  it("never reach users who are neither the user, a subscriber nor a friend, nor unauthenticated connections", () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, friendAutoNotify: true } });
    bench.login("a", "alice");
    bench.login("x", "mallory");
    bench.connect("anon");
    expect(notifiedConnections(bench.send("a", req.setStatus("busy")))).toEqual([]);
  });
});

describe("Rule 5: get user status", () => {
  it("querying yourself needs no plan or switch and is not rate limited", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    for (let i = 0; i < 50; i++) {
      expect(answer(bench.send("c1", req.get("alice", "alice")), "c1")).toMatchObject({ value: { statuses: [{ userId: "alice" }], errors: [] } });
    }
  });

  it("querying others needs the premium plan, then the feature switch (72001)", () => {
    const bench = new Bench({ users: ["bob"] });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.get("alice", "bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
    bench.engine.updateSwitches({ plan: "premium" });
    expect(errorOf(answer(bench.send("c1", req.get("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
    bench.engine.updateSwitches({ featureEnabled: true });
    expect(answer(bench.send("c1", req.get("bob")), "c1")).toMatchObject({ value: { statuses: [{ userId: "bob", statusType: UNLOGINED, version: 0n }] } });
  });

  it("takes 1 to 500 ids", () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob"] });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.get()), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    const ids = Array.from({ length: 500 }, (_, i) => (i === 0 ? "bob" : `ghost${i}`));
    expect(answer(bench.send("c1", req.get(...ids)), "c1").$case).toBe("getUserStatusResponse");
    expect(errorOf(answer(bench.send("c1", req.get(...ids, "bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
  });

  it("answers the users that succeeded and lists unknown ids as ACCOUNT_NOT_FOUND, duplicates once, in request order", () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob"] });
    bench.login("c1", "alice");
    const body = answer(bench.send("c1", req.get("ghost", "bob", "alice", "bob", "ghost")), "c1");
    if (body.$case !== "getUserStatusResponse") throw new Error(body.$case);
    expect(body.value.statuses.map((s) => s.userId)).toEqual(["bob", "alice"]);
    expect(body.value.errors).toEqual([{ userId: "ghost", code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: expect.any(String) }]);
  });

  it("fails as a whole only when every user fails, with their shared code", () => {
    const bench = new Bench({ config: PREMIUM_ON });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.get("ghost1", "ghost2")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND);
  });

  it("rejects an empty or over-long user id with INVALID_PARAMETERS", () => {
    const bench = new Bench({ config: PREMIUM_ON });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.get("")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
    expect(errorOf(answer(bench.send("c1", req.get("x".repeat(129))), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
  });
});

describe("Rule 6: subscribe", () => {
  function subscriberBench(maxSubscriptions?: number) {
    const users = Array.from({ length: 300 }, (_, i) => `u${i + 1}`);
    const bench = new Bench({ config: { ...PREMIUM_ON, limits: { maxSubscriptions, rateLimitRequests: 1000 } }, users });
    bench.login("c1", "alice");
    return bench;
  }

  it("needs the premium plan and the feature switch", () => {
    const bench = new Bench({ users: ["bob"] });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.subscribe("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
    bench.engine.updateSwitches({ plan: "premium" });
    expect(errorOf(answer(bench.send("c1", req.subscribe("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
  });

  it("takes 1 to 100 ids and never yourself", () => {
    const bench = subscriberBench();
    expect(errorOf(answer(bench.send("c1", req.subscribe()), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    const ids = Array.from({ length: 101 }, (_, i) => `u${i + 1}`);
    expect(errorOf(answer(bench.send("c1", req.subscribe(...ids)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    expect(answer(bench.send("c1", req.subscribe(...ids.slice(0, 100))), "c1").$case).toBe("subscribeUserStatusResponse");
    expect(errorOf(answer(bench.send("c1", req.subscribe("u1", "alice")), "c1")).code).toBe(ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF);
  });

  it("answers the current status of each newly subscribed user, versioned against later notifications", () => {
    const bench = subscriberBench();
    bench.login("b", "u1");
    bench.send("b", req.setStatus("busy"));
    const body = answer(bench.send("c1", req.subscribe("u1", "u2")), "c1");
    expect(body).toMatchObject({
      $case: "subscribeUserStatusResponse",
      value: { statuses: [{ userId: "u1", statusType: ONLINE, customStatus: "busy", version: 2n }, { userId: "u2", statusType: UNLOGINED, version: 0n }], evictedUserIds: [], errors: [] },
    });
    expect(notificationsTo(bench.send("b", req.setStatus("free")), "c1")).toEqual([[expect.objectContaining({ userId: "u1", version: 3n })]]);
  });

  it("evicts the earliest subscribed past 200 and names them in the response", () => {
    const bench = subscriberBench();
    const ids = Array.from({ length: 201 }, (_, i) => `u${i + 1}`);
    bench.send("c1", req.subscribe(...ids.slice(0, 100)));
    bench.send("c1", req.subscribe(...ids.slice(100, 200)));
    const body = answer(bench.send("c1", req.subscribe("u201")), "c1");
    expect(body).toMatchObject({ value: { evictedUserIds: ["u1"], statuses: [{ userId: "u201" }] } });
    expect(bench.engine.subscriptionsOf("alice")).toHaveLength(200);
    expect(bench.engine.subscriptionsOf("alice")[0]).toBe("u2");
  });

  it("re-subscribing an existing entry moves it to the newest place, protecting it from eviction", () => {
    const bench = subscriberBench(3);
    bench.send("c1", req.subscribe("u1", "u2", "u3"));
    bench.send("c1", req.subscribe("u1"));
    const body = answer(bench.send("c1", req.subscribe("u4")), "c1");
    expect(body).toMatchObject({ value: { evictedUserIds: ["u2"] } });
    expect(bench.engine.subscriptionsOf("alice")).toEqual(["u3", "u1", "u4"]);
  });

  it("friends can be subscribed and count toward the cap", () => {
    const bench = subscriberBench(2);
    bench.friends.befriend("alice", "u1");
    bench.send("c1", req.subscribe("u1", "u2"));
    expect(answer(bench.send("c1", req.subscribe("u3")), "c1")).toMatchObject({ value: { evictedUserIds: ["u1"] } });
  });

  it("reports unknown ids per user and fails only when all are unknown", () => {
    const bench = subscriberBench();
    expect(answer(bench.send("c1", req.subscribe("ghost", "u1")), "c1")).toMatchObject({
      value: { statuses: [{ userId: "u1" }], errors: [{ userId: "ghost", code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND }] },
    });
    expect(errorOf(answer(bench.send("c1", req.subscribe("ghost")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND);
    expect(bench.engine.subscriptionsOf("alice")).toEqual(["u1"]);
  });
});

describe("Rule 7: unsubscribe", () => {
  function subscribed() {
    const bench = new Bench({ config: PREMIUM_ON, users: ["u1", "u2", "u3"] });
    bench.login("c1", "alice");
    bench.send("c1", req.subscribe("u1", "u2", "u3"));
    return bench;
  }

  it("needs the premium plan and the feature switch", () => {
    const bench = subscribed();
    bench.engine.updateSwitches({ featureEnabled: false });
    expect(errorOf(answer(bench.send("c1", req.unsubscribe("u1")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
    bench.engine.updateSwitches({ plan: "basic" });
    expect(errorOf(answer(bench.send("c1", req.unsubscribe("u1")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
  });

  it("removes the named users, answering those actually removed in request order", () => {
    const bench = subscribed();
    const body = answer(bench.send("c1", req.unsubscribe("u3", "ghost", "u1", "u3")), "c1");
    expect(body).toEqual({ $case: "unsubscribeUserStatusResponse", value: { removedUserIds: ["u3", "u1"] } });
    expect(bench.engine.subscriptionsOf("alice")).toEqual(["u2"]);
  });

  it("an empty list clears every subscription; more than 100 ids is a batch error", () => {
    const bench = subscribed();
    const tooMany = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect(errorOf(answer(bench.send("c1", req.unsubscribe(...tooMany)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    expect(answer(bench.send("c1", req.unsubscribe()), "c1")).toEqual({ $case: "unsubscribeUserStatusResponse", value: { removedUserIds: ["u1", "u2", "u3"] } });
    expect(bench.engine.subscriptionsOf("alice")).toEqual([]);
  });

  it("clears the list of a subscriber gone for the retention delay (default 300 s)", () => {
    const bench = subscribed();
    bench.drop("c1");
    bench.advance(SPEC_LIMITS.subscriptionRetentionMs - 1);
    expect(bench.engine.subscriptionsOf("alice")).toHaveLength(3);
    bench.advance(1);
    expect(bench.engine.subscriptionsOf("alice")).toEqual([]);
  });

  it("keeps the list of a subscriber who comes back before the delay, and while another device stays", () => {
    const bench = subscribed();
    bench.login("c2", "alice");
    bench.send("c1", req.logout());
    bench.advance(SPEC_LIMITS.subscriptionRetentionMs);
    expect(bench.engine.subscriptionsOf("alice")).toHaveLength(3);
    bench.drop("c2");
    bench.advance(SPEC_LIMITS.subscriptionRetentionMs - 1);
    bench.login("c3", "alice");
    bench.advance(SPEC_LIMITS.subscriptionRetentionMs);
    expect(bench.engine.subscriptionsOf("alice")).toEqual(["u1", "u2", "u3"]);
  });
});

describe("Rule 8: set and get own status need no plan, no switch and no rate limit", () => {
  it("works on the basic plan with every switch off, any number of times", () => {
    const bench = new Bench({ config: { plan: "basic", featureEnabled: false, limits: { rateLimitRequests: 1 } } });
    bench.login("c1", "alice");
    for (let i = 0; i < 30; i++) {
      expect(answer(bench.send("c1", req.setStatus(`s${i}`)), "c1").$case).toBe("setSelfStatusResponse");
      expect(answer(bench.send("c1", req.get("alice")), "c1").$case).toBe("getUserStatusResponse");
    }
  });
});

describe("Rule 9: rate limiting per user per operation class", () => {
  it("refuses the 21st request in 5 s with FREQUENCY_LIMIT and an exact retry-after", () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob"] });
    bench.login("c1", "alice");
    for (let i = 0; i < 20; i++) {
      expect(answer(bench.send("c1", req.get("bob")), "c1").$case).toBe("getUserStatusResponse");
      bench.advance(100);
    }
    // The first request was at t0, it is now t0 + 2000 ms: the window frees in 3000 ms.
    expect(errorOf(answer(bench.send("c1", req.get("bob")), "c1"))).toEqual({ code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, retryAfterMs: 3000 });
    bench.advance(2999);
    expect(errorOf(answer(bench.send("c1", req.get("bob")), "c1")).retryAfterMs).toBe(1);
    bench.advance(1);
    expect(answer(bench.send("c1", req.get("bob")), "c1").$case).toBe("getUserStatusResponse");
  });

  it("counts each class and each user apart, and not self queries", () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, limits: { rateLimitRequests: 1 } }, users: ["bob"] });
    bench.login("a", "alice");
    bench.login("c", "carol");
    expect(answer(bench.send("a", req.get("bob")), "a").$case).toBe("getUserStatusResponse");
    expect(answer(bench.send("a", req.get("alice")), "a").$case).toBe("getUserStatusResponse");
    expect(answer(bench.send("a", req.subscribe("bob")), "a").$case).toBe("subscribeUserStatusResponse");
    expect(answer(bench.send("a", req.unsubscribe("bob")), "a").$case).toBe("unsubscribeUserStatusResponse");
    expect(answer(bench.send("c", req.get("bob")), "c").$case).toBe("getUserStatusResponse");
    expect(errorOf(answer(bench.send("a", req.subscribe("bob")), "a")).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
  });

  it("shares the budget across all devices of a user", () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, limits: { rateLimitRequests: 1 } }, users: ["bob"] });
    bench.login("a1", "alice");
    bench.login("a2", "alice");
    bench.send("a1", req.get("bob"));
    expect(errorOf(answer(bench.send("a2", req.get("bob")), "a2")).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
  });
});

describe("Rule 10: app configuration", () => {
  it("starts like the source system: basic plan, both switches off, spec limits", () => {
    const bench = new Bench();
    expect(bench.engine.settings).toEqual({ plan: "basic", featureEnabled: false, friendAutoNotify: false, limits: SPEC_LIMITS });
  });

  it("lets every limit be overridden, and rejects invalid ones", () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, limits: { maxQueryUsers: 2 } }, users: ["b", "c", "d"] });
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.get("b", "c", "d")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    expect(() => new Bench({ config: { limits: { maxQueryUsers: 0 } } })).toThrow(/maxQueryUsers/);
  });

  it("a switch turned off mid-session stops subscriber pushes but keeps the lists", () => {
    const bench = new Bench({ config: PREMIUM_ON });
    bench.login("a", "alice");
    bench.login("b", "bob");
    bench.send("b", req.subscribe("alice"));
    bench.engine.updateSwitches({ featureEnabled: false });
    expect(notifiedConnections(bench.send("a", req.setStatus("busy")))).toEqual([]);
    expect(bench.engine.subscriptionsOf("bob")).toEqual(["alice"]);
    bench.engine.updateSwitches({ featureEnabled: true });
    expect(notificationsTo(bench.send("a", req.setStatus("free")), "b")).toEqual([[expect.objectContaining({ version: 3n })]]);
  });

  it("asks the injected directory which users exist, and the injected authenticator for tokens", () => {
    const bench = new Bench({
      config: PREMIUM_ON,
      users: ["bob"],
      authenticate: (userId) => (userId === "eve" ? ErrorCode.ERROR_CODE_TOKEN_INVALID : undefined),
    });
    bench.connect("e");
    const refused = bench.send("e", req.login("eve"));
    expect(errorOf(answer(refused, "e")).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(closedConnections(refused)).toEqual([{ connectionId: "e", code: ErrorCode.ERROR_CODE_TOKEN_INVALID }]);
    bench.login("c1", "alice");
    expect(answer(bench.send("c1", req.get("bob", "eve")), "c1")).toMatchObject({ value: { statuses: [{ userId: "bob" }], errors: [{ userId: "eve" }] } });
  });
});

describe("Rule 11: versions", () => {
  it("increase by one on every visible change, including devices joining and leaving while ONLINE", () => {
    const bench = new Bench();
    bench.login("phone", "alice");
    const observed: bigint[] = [];
    const track = (effects: ReturnType<Bench["send"]>) => observed.push(...notificationsTo(effects, "phone").flat().map((s) => s.version));
    track(bench.login("laptop", "alice"));
    track(bench.send("laptop", req.setStatus("busy")));
    track(bench.drop("laptop"));
    expect(observed).toEqual([2n, 3n, 4n]);
    expect(bench.engine.statusOf("alice")).toMatchObject({ version: 4n, reason: R.STATUS_CHANGE_REASON_CONNECTION_CLOSED, customStatus: "busy" });
  });

  it("survive sessions: a user who comes back continues from the last version", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    bench.send("c1", req.logout());
    const login = loginResponse(answer(bench.login("c2", "alice"), "c2"));
    expect(login.selfStatus).toMatchObject({ version: 3n, reason: R.STATUS_CHANGE_REASON_LOGIN, changedAtMs: BigInt(bench.clock.now()) });
  });
});

describe("Session rules of the wire spec", () => {
  it("answers requests before login with NOT_LOGGED_IN and keeps the connection", () => {
    const bench = new Bench();
    bench.connect("c1");
    const effects = bench.send("c1", req.setStatus("x"));
    expect(errorOf(answer(effects, "c1")).code).toBe(ErrorCode.ERROR_CODE_NOT_LOGGED_IN);
    expect(closedConnections(effects)).toEqual([]);
    expect(answer(bench.send("c1", req.login("alice")), "c1").$case).toBe("loginResponse");
  });

  it("refuses a second login on a connection with ALREADY_LOGGED_IN", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", req.login("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN);
    expect(bench.engine.statusOf("bob")).toBeUndefined();
  });

  it("closes a connection that sends a request with request id 0", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    const effects = bench.send("c1", req.ping(), 0);
    expect(framesTo(effects, "c1")).toEqual([{ requestId: 0, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS }) } }]);
    expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS }]);
    expect(bench.engine.statusOf("alice")?.statusType).toBe(OFFLINE);
  });

  it("answers an absent or server-only body with UNSUPPORTED_BODY, and ignores it with request id 0", () => {
    const bench = new Bench();
    bench.login("c1", "alice");
    expect(errorOf(answer(bench.send("c1", undefined, 5), "c1")).code).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY);
    const pong: Body = { $case: "pong", value: { clientTimeMs: 0n, serverTimeMs: 0n } };
    expect(errorOf(answer(bench.send("c1", pong, 6), "c1")).code).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY);
    expect(bench.send("c1", undefined, 0)).toEqual([]);
  });

  it("refuses a login with an invalid user id and keeps the connection for a retry", () => {
    const bench = new Bench();
    bench.connect("c1");
    const effects = bench.send("c1", req.login(""));
    expect(errorOf(answer(effects, "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
    expect(closedConnections(effects)).toEqual([]);
  });
});

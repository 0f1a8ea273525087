// The engine's operator API: limits changed at run time, kick, counts and the change feed.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { ConfigError } from "../../src/codec/errors.js";
import { SPEC_LIMITS } from "../../src/protocol/index.js";
import { Bench, OFFLINE, PREMIUM_ON, R, answer, closedConnections, errorOf, framesTo, loginResponse, notificationsTo, req } from "./harness.js";

describe("limits changed while the engine runs", () => {
  it("applies a batch size from the next request", async () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob", "carol"] });
    await bench.login("c1", "alice");
    expect(answer(await bench.send("c1", req.get("bob", "carol")), "c1").$case).toBe("getUserStatusResponse");
    bench.engine.updateLimits({ maxQueryUsers: 1 });
    expect(errorOf(answer(await bench.send("c1", req.get("bob", "carol")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
  });

  it("applies the rate limit from the next request", async () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob"] });
    await bench.login("c1", "alice");
    bench.engine.updateLimits({ rateLimitRequests: 1 });
    expect(answer(await bench.send("c1", req.get("bob")), "c1").$case).toBe("getUserStatusResponse");
    expect(errorOf(answer(await bench.send("c1", req.get("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
  });

  it("announces a new heartbeat timeout to later logins only; an earlier connection keeps the one it was told", async () => {
    const bench = new Bench({ config: PREMIUM_ON });
    await bench.login("c1", "alice");
    bench.engine.updateLimits({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 20_000 });
    const login = loginResponse(answer(await bench.login("c2", "bob"), "c2"));
    expect(login.limits).toMatchObject({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 20_000 });
    // Both stay silent: each is closed at the timeout it was told.
    expect(closedConnections(await bench.advance(60_000))).toEqual([{ connectionId: "c2", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
    expect(closedConnections(await bench.advance(SPEC_LIMITS.heartbeatTimeoutMs - 60_000 - 1))).toEqual([]);
    expect(closedConnections(await bench.advance(1))).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
  });

  it("keeps a list longer than a lowered cap until the subscriber's next subscribe", async () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["u1", "u2", "u3", "u4"] });
    await bench.login("c1", "alice");
    await bench.send("c1", req.subscribe("u1", "u2", "u3"));
    bench.engine.updateLimits({ maxSubscriptions: 2 });
    expect(await bench.engine.subscriptionsOf("alice")).toEqual(["u1", "u2", "u3"]);
    const body = answer(await bench.send("c1", req.subscribe("u4")), "c1");
    expect(body.$case === "subscribeUserStatusResponse" && body.value.evictedUserIds).toEqual(["u1", "u2"]);
    expect(await bench.engine.subscriptionsOf("alice")).toEqual(["u3", "u4"]);
  });

  it("refuses a bad value and changes nothing", () => {
    const bench = new Bench({ config: PREMIUM_ON });
    expect(() => bench.engine.updateLimits({ maxQueryUsers: 10, rateLimitRequests: 0 })).toThrow(ConfigError);
    expect(bench.engine.settings.limits).toEqual(SPEC_LIMITS);
  });
});

describe("kick", () => {
  it("sends the device ERROR_CODE_KICKED, closes it, and the change carries reason KICKED", async () => {
    const bench = new Bench({ config: { ...PREMIUM_ON, friendAutoNotify: true } });
    bench.friends.befriend("alice", "bob");
    await bench.login("c1", "alice", "phone");
    await bench.login("c2", "bob");
    bench.take();
    expect(await bench.engine.kick("alice")).toEqual(["phone"]);
    await bench.settle();
    const effects = bench.take();
    const [pushed] = framesTo(effects, "c1");
    expect(pushed && pushed.requestId === 0 && pushed.body && errorOf(pushed.body).code).toBe(ErrorCode.ERROR_CODE_KICKED);
    expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_KICKED }]);
    expect(notificationsTo(effects, "c2")).toEqual([[expect.objectContaining({ userId: "alice", statusType: OFFLINE, reason: R.STATUS_CHANGE_REASON_KICKED })]]);
  });

  it("kicks only the device named, and nothing for a user or device not connected", async () => {
    const bench = new Bench({ config: PREMIUM_ON });
    await bench.login("c1", "alice", "phone");
    await bench.login("c2", "alice", "laptop");
    expect(await bench.engine.kick("alice", "tablet")).toEqual([]);
    expect(await bench.engine.kick("nobody")).toEqual([]);
    expect(await bench.engine.kick("alice", "laptop")).toEqual(["laptop"]);
    await bench.settle();
    expect(closedConnections(bench.take())).toEqual([{ connectionId: "c2", code: ErrorCode.ERROR_CODE_KICKED }]);
    expect((await bench.engine.statusOf("alice"))?.onlineDevices.map((d) => d.deviceId)).toEqual(["phone"]);
  });
});

describe("counts and the change feed", () => {
  it("counts connections, logged-in connections, users online and subscriptions", async () => {
    const bench = new Bench({ config: PREMIUM_ON, users: ["bob"] });
    bench.connect("c0");
    await bench.login("c1", "alice", "phone");
    await bench.login("c2", "alice", "laptop");
    await bench.send("c1", req.subscribe("bob"));
    expect(bench.engine.counts()).toEqual({ connections: 3, loggedIn: 2, onlineUsers: 1 });
    expect(await bench.engine.subscriptionCount()).toBe(1);
  });

  it("tells a listener of every committed change until it stops listening", async () => {
    const bench = new Bench({ config: PREMIUM_ON });
    const seen: UserStatus[] = [];
    const stop = bench.engine.onStatusChange((status) => seen.push(status));
    await bench.login("c1", "alice");
    await bench.send("c1", req.setStatus("busy"));
    stop();
    await bench.send("c1", req.setStatus("free"));
    expect(seen.map((s) => [s.userId, s.reason, s.customStatus])).toEqual([
      ["alice", R.STATUS_CHANGE_REASON_LOGIN, ""],
      ["alice", R.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET, "busy"],
    ]);
  });
});

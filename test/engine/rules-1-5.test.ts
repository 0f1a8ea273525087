// Rules 1 to 5 of docs/engine.md, one block per rule, numbered the same way.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { SPEC_LIMITS } from "../../src/protocol/index.js";
import {
  answer,
  Bench,
  loginResponse,
  OFFLINE,
  ONLINE,
  R,
  UNLOGINED,
  type BenchOptions,
  closedConnections,
  errorOf,
  framesTo,
  notificationsTo,
  notifiedConnections,
  PREMIUM_ON,
  req,
  STORES,
  type Body,
} from "./harness.js";

describe.each(STORES)("against the $name store", (store) => {
  const newBench = (options: BenchOptions = {}) => new Bench({ ...options, store: store.create() });

  describe("Rule 1: status is per user, not per device", () => {
    it("is UNLOGINED before the first login, ONLINE while any device is logged in, OFFLINE after the last connection is lost", async () => {
      const bench = newBench({ users: ["alice"] });
      expect((await bench.engine.statusOf("alice"))?.statusType).toBe(UNLOGINED);
      await bench.login("phone", "alice");
      await bench.login("laptop", "alice");
      expect((await bench.engine.statusOf("alice"))?.onlineDevices.map((d) => d.deviceId)).toEqual(["phone", "laptop"]);
      await bench.drop("phone");
      expect((await bench.engine.statusOf("alice"))?.statusType).toBe(ONLINE);
      expect((await bench.engine.statusOf("alice"))?.onlineDevices.map((d) => d.deviceId)).toEqual(["laptop"]);
      await bench.drop("laptop");
      expect((await bench.engine.statusOf("alice"))).toMatchObject({ statusType: OFFLINE, onlineDevices: [], reason: R.STATUS_CHANGE_REASON_CONNECTION_CLOSED });
    });

    it("is UNLOGINED after the last device logs out, and still ONLINE while another device remains", async () => {
      const bench = newBench();
      await bench.login("phone", "alice");
      await bench.login("laptop", "alice");
      const first = await bench.send("phone", req.logout());
      expect(answer(first, "phone").$case).toBe("logoutResponse");
      expect(closedConnections(first)).toEqual([{ connectionId: "phone", code: ErrorCode.ERROR_CODE_UNSPECIFIED }]);
      expect((await bench.engine.statusOf("alice"))?.statusType).toBe(ONLINE);
      await bench.send("laptop", req.logout());
      expect((await bench.engine.statusOf("alice"))).toMatchObject({ statusType: UNLOGINED, reason: R.STATUS_CHANGE_REASON_LOGOUT });
    });

    it("keeps the device list in login order with each device's platform, and a fresh id for a login without one", async () => {
      const bench = newBench();
      await bench.login("c1", "alice", "phone", Platform.PLATFORM_ANDROID);
      bench.connect("c2");
      const login = loginResponse(answer(await bench.send("c2", req.login("alice", "", Platform.PLATFORM_WEB)), "c2"));
      expect(login.deviceId).toMatch(/^auto-/);
      expect(login.selfStatus?.onlineDevices).toEqual([
        { deviceId: "phone", platform: Platform.PLATFORM_ANDROID },
        { deviceId: login.deviceId, platform: Platform.PLATFORM_WEB },
      ]);
    });

    it("replaces the connection of a device id that logs in again, without the user ever leaving ONLINE", async () => {
      const bench = newBench();
      await bench.login("old", "alice", "phone");
      bench.connect("new");
      const effects = await bench.send("new", req.login("alice", "phone"));
      expect(framesTo(effects, "old")).toEqual([
        { requestId: 0, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN }) } },
      ]);
      expect(closedConnections(effects)).toEqual([{ connectionId: "old", code: ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN }]);
      expect((await bench.engine.statusOf("alice"))).toMatchObject({ statusType: ONLINE, onlineDevices: [{ deviceId: "phone" }], version: 2n });
      // The replaced connection is gone: its frames are dropped and its disconnect changes nothing.
      expect(await bench.send("old", req.ping())).toEqual([]);
      expect(await bench.drop("old")).toEqual([]);
      expect((await bench.engine.statusOf("alice"))?.statusType).toBe(ONLINE);
    });
  });

  describe("Rule 2: heartbeat timeout and the announced interval", () => {
    it("announces the heartbeat interval and timeout in the login answer", async () => {
      const bench = newBench({ config: { limits: { heartbeatIntervalMs: 30_000, heartbeatTimeoutMs: 100_000 } } });
      bench.connect("c1");
      const limits = loginResponse(answer(await bench.send("c1", req.login("alice")), "c1")).limits;
      expect(limits).toMatchObject({ heartbeatIntervalMs: 30_000, heartbeatTimeoutMs: 100_000, maxQueryUsers: SPEC_LIMITS.maxQueryUsers });
    });

    it("closes a connection silent for 400 s and counts it as lost (OFFLINE, reason heartbeat timeout)", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      expect(await bench.advance(SPEC_LIMITS.heartbeatTimeoutMs - 1)).toEqual([]);
      const effects = await bench.advance(1);
      expect(errorOf(answerOrPush(framesTo(effects, "c1"))).code).toBe(ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT);
      expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
      expect((await bench.engine.statusOf("alice"))).toMatchObject({ statusType: OFFLINE, reason: R.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT });
    });

    it("counts the timeout from the last frame received, of any kind", async () => {
      const bench = newBench({ users: ["bob"] });
      await bench.login("c1", "alice");
      await bench.advance(300_000);
      await bench.send("c1", req.get("alice")); // not a ping, still proof of life
      expect(closedConnections(await bench.advance(399_999))).toEqual([]);
      expect(closedConnections(await bench.advance(1))).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT }]);
    });

    it("answers a ping with a pong echoing the client time and the request id", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      const frames = framesTo(await bench.send("c1", req.ping(42n), 77), "c1");
      expect(frames).toEqual([{ requestId: 77, body: { $case: "pong", value: { clientTimeMs: 42n, serverTimeMs: BigInt(bench.clock.now()) } } }]);
    });

    it("closes a connection that does not log in within the login timeout", async () => {
      const bench = newBench();
      bench.connect("c1");
      expect(await bench.advance(SPEC_LIMITS.loginTimeoutMs - 1)).toEqual([]);
      const effects = await bench.advance(1);
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
    it("is set by its owner, cleared by the empty string, and each change is a new version", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      const set = answer(await bench.send("c1", req.setStatus("listening to music")), "c1");
      expect(set).toMatchObject({ $case: "setSelfStatusResponse", value: { status: { customStatus: "listening to music", version: 2n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET } } });
      const cleared = answer(await bench.send("c1", req.setStatus("")), "c1");
      expect(cleared).toMatchObject({ value: { status: { customStatus: "", version: 3n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED } } });
    });

    it("accepts 100 UTF-8 bytes and rejects 101 with INVALID_PARAMETERS", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      const hundredBytes = "é".repeat(50);
      expect(answer(await bench.send("c1", req.setStatus(hundredBytes)), "c1").$case).toBe("setSelfStatusResponse");
      expect(errorOf(answer(await bench.send("c1", req.setStatus(`${hundredBytes}x`)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
      expect((await bench.engine.statusOf("alice"))?.customStatus).toBe(hundredBytes);
    });

    it("setting the value already held is not a change", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      await bench.login("c2", "alice");
      await bench.send("c1", req.setStatus("busy"));
      const again = await bench.send("c1", req.setStatus("busy"));
      expect(notifiedConnections(again)).toEqual([]);
      expect((await bench.engine.statusOf("alice"))?.version).toBe(3n);
    });

    it.each([
      ["OFFLINE", (bench: Bench) => bench.drop("c1"), OFFLINE, R.STATUS_CHANGE_REASON_CONNECTION_CLOSED],
      ["UNLOGINED", (bench: Bench) => bench.send("c1", req.logout()), UNLOGINED, R.STATUS_CHANGE_REASON_LOGOUT],
    ] as const)("is cleared when the user becomes %s, in the same notified change", async (_, leave, statusType, reason) => {
      const bench = newBench({ config: PREMIUM_ON });
      await bench.login("c1", "alice");
      await bench.login("s1", "bob");
      await bench.send("s1", req.subscribe("alice"));
      await bench.send("c1", req.setStatus("busy"));
      const effects = await leave(bench);
      expect(notificationsTo(effects, "s1")).toEqual([[expect.objectContaining({ userId: "alice", statusType, customStatus: "", version: 3n, reason })]]);
    });
  });

  describe("Rule 4: notifications", () => {
    it("go to the user's other devices, not to the device that made the change", async () => {
      const bench = newBench();
      await bench.login("phone", "alice");
      await bench.login("laptop", "alice");
      const effects = await bench.send("phone", req.setStatus("busy"));
      expect(notifiedConnections(effects)).toEqual(["laptop"]);
      expect(notificationsTo(effects, "laptop")).toEqual([[expect.objectContaining({ customStatus: "busy", version: 3n, changedAtMs: BigInt(bench.clock.now()) })]]);
    });

    it("go to every connection of every subscriber", async () => {
      const bench = newBench({ config: PREMIUM_ON });
      await bench.login("a", "alice");
      await bench.login("b1", "bob");
      await bench.login("b2", "bob");
      await bench.send("b1", req.subscribe("alice"));
      expect(notifiedConnections(await bench.send("a", req.setStatus("busy"))).sort()).toEqual(["b1", "b2"]);
    });

    it("go to friends only while the friend auto-notification switch is on", async () => {
      const bench = newBench();
      bench.friends.befriend("alice", "carol");
      await bench.login("a", "alice");
      await bench.login("c", "carol");
      expect(notifiedConnections(await bench.send("a", req.setStatus("one")))).toEqual([]);
      await bench.engine.updateSwitches({ friendAutoNotify: true });
      expect(notifiedConnections(await bench.send("a", req.setStatus("two")))).toEqual(["c"]);
    });

    it("reach a receiver who is both friend and subscriber once", async () => {
      const bench = newBench({ config: { ...PREMIUM_ON, friendAutoNotify: true } });
      bench.friends.befriend("alice", "bob");
      await bench.login("a", "alice");
      await bench.login("b", "bob");
      await bench.send("b", req.subscribe("alice"));
      const effects = await bench.send("a", req.setStatus("busy"));
      expect(notificationsTo(effects, "b")).toEqual([[expect.objectContaining({ userId: "alice", version: 2n, reason: R.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET })]]);
    });

    it("never reach users who are neither the user, a subscriber nor a friend, nor unauthenticated connections", async () => {
      const bench = newBench({ config: { ...PREMIUM_ON, friendAutoNotify: true } });
      await bench.login("a", "alice");
      await bench.login("x", "mallory");
      bench.connect("anon");
      expect(notifiedConnections(await bench.send("a", req.setStatus("busy")))).toEqual([]);
    });
  });

  describe("Rule 5: get user status", () => {
    it("querying yourself needs no plan or switch and is not rate limited", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      for (let i = 0; i < 50; i++) {
        expect(answer(await bench.send("c1", req.get("alice", "alice")), "c1")).toMatchObject({ value: { statuses: [{ userId: "alice" }], errors: [] } });
      }
    });

    it("querying others needs the premium plan, then the feature switch (72001)", async () => {
      const bench = newBench({ users: ["bob"] });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.get("alice", "bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
      await bench.engine.updateSwitches({ plan: "premium" });
      expect(errorOf(answer(await bench.send("c1", req.get("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
      await bench.engine.updateSwitches({ featureEnabled: true });
      expect(answer(await bench.send("c1", req.get("bob")), "c1")).toMatchObject({ value: { statuses: [{ userId: "bob", statusType: UNLOGINED, version: 0n }] } });
    });

    it("takes 1 to 500 ids", async () => {
      const bench = newBench({ config: PREMIUM_ON, users: ["bob"] });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.get()), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
      const ids = Array.from({ length: 500 }, (_, i) => (i === 0 ? "bob" : `ghost${i}`));
      expect(answer(await bench.send("c1", req.get(...ids)), "c1").$case).toBe("getUserStatusResponse");
      expect(errorOf(answer(await bench.send("c1", req.get(...ids, "bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
    });

    it("answers the users that succeeded and lists unknown ids as ACCOUNT_NOT_FOUND, duplicates once, in request order", async () => {
      const bench = newBench({ config: PREMIUM_ON, users: ["bob"] });
      await bench.login("c1", "alice");
      const body = answer(await bench.send("c1", req.get("ghost", "bob", "alice", "bob", "ghost")), "c1");
      if (body.$case !== "getUserStatusResponse") throw new Error(body.$case);
      expect(body.value.statuses.map((s) => s.userId)).toEqual(["bob", "alice"]);
      expect(body.value.errors).toEqual([{ userId: "ghost", code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: expect.any(String) }]);
    });

    it("fails as a whole only when every user fails, with their shared code", async () => {
      const bench = newBench({ config: PREMIUM_ON });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.get("ghost1", "ghost2")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND);
    });

    it("rejects an empty or over-long user id with INVALID_PARAMETERS", async () => {
      const bench = newBench({ config: PREMIUM_ON });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.get("")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
      expect(errorOf(answer(await bench.send("c1", req.get("x".repeat(129))), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
    });
  });
});

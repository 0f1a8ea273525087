// Rules 6 to 11 of docs/engine.md and the session rules, one block per rule, numbered the same way.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
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

  describe("Rule 6: subscribe", () => {
    async function subscriberBench(maxSubscriptions?: number) {
      const users = Array.from({ length: 300 }, (_, i) => `u${i + 1}`);
      const bench = newBench({ config: { ...PREMIUM_ON, limits: { maxSubscriptions, rateLimitRequests: 1000 } }, users });
      await bench.login("c1", "alice");
      return bench;
    }

    it("needs the premium plan and the feature switch", async () => {
      const bench = newBench({ users: ["bob"] });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.subscribe("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
      await bench.engine.updateSwitches({ plan: "premium" });
      expect(errorOf(answer(await bench.send("c1", req.subscribe("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
    });

    it("takes 1 to 100 ids and never yourself", async () => {
      const bench = await subscriberBench();
      expect(errorOf(answer(await bench.send("c1", req.subscribe()), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
      const ids = Array.from({ length: 101 }, (_, i) => `u${i + 1}`);
      expect(errorOf(answer(await bench.send("c1", req.subscribe(...ids)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
      expect(answer(await bench.send("c1", req.subscribe(...ids.slice(0, 100))), "c1").$case).toBe("subscribeUserStatusResponse");
      expect(errorOf(answer(await bench.send("c1", req.subscribe("u1", "alice")), "c1")).code).toBe(ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF);
    });

    it("answers the current status of each newly subscribed user, versioned against later notifications", async () => {
      const bench = await subscriberBench();
      await bench.login("b", "u1");
      await bench.send("b", req.setStatus("busy"));
      const body = answer(await bench.send("c1", req.subscribe("u1", "u2")), "c1");
      expect(body).toMatchObject({
        $case: "subscribeUserStatusResponse",
        value: { statuses: [{ userId: "u1", statusType: ONLINE, customStatus: "busy", version: 2n }, { userId: "u2", statusType: UNLOGINED, version: 0n }], evictedUserIds: [], errors: [] },
      });
      expect(notificationsTo(await bench.send("b", req.setStatus("free")), "c1")).toEqual([[expect.objectContaining({ userId: "u1", version: 3n })]]);
    });

    it("evicts the earliest subscribed past 200 and names them in the response", async () => {
      const bench = await subscriberBench();
      const ids = Array.from({ length: 201 }, (_, i) => `u${i + 1}`);
      await bench.send("c1", req.subscribe(...ids.slice(0, 100)));
      await bench.send("c1", req.subscribe(...ids.slice(100, 200)));
      const body = answer(await bench.send("c1", req.subscribe("u201")), "c1");
      expect(body).toMatchObject({ value: { evictedUserIds: ["u1"], statuses: [{ userId: "u201" }] } });
      expect((await bench.engine.subscriptionsOf("alice"))).toHaveLength(200);
      expect((await bench.engine.subscriptionsOf("alice"))[0]).toBe("u2");
    });

    it("re-subscribing an existing entry moves it to the newest place, protecting it from eviction", async () => {
      const bench = await subscriberBench(3);
      await bench.send("c1", req.subscribe("u1", "u2", "u3"));
      await bench.send("c1", req.subscribe("u1"));
      const body = answer(await bench.send("c1", req.subscribe("u4")), "c1");
      expect(body).toMatchObject({ value: { evictedUserIds: ["u2"] } });
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual(["u3", "u1", "u4"]);
    });

    it("friends can be subscribed and count toward the cap", async () => {
      const bench = await subscriberBench(2);
      bench.friends.befriend("alice", "u1");
      await bench.send("c1", req.subscribe("u1", "u2"));
      expect(answer(await bench.send("c1", req.subscribe("u3")), "c1")).toMatchObject({ value: { evictedUserIds: ["u1"] } });
    });

    it("reports unknown ids per user and fails only when all are unknown", async () => {
      const bench = await subscriberBench();
      expect(answer(await bench.send("c1", req.subscribe("ghost", "u1")), "c1")).toMatchObject({
        value: { statuses: [{ userId: "u1" }], errors: [{ userId: "ghost", code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND }] },
      });
      expect(errorOf(answer(await bench.send("c1", req.subscribe("ghost")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND);
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual(["u1"]);
    });
  });

  describe("Rule 7: unsubscribe", () => {
    async function subscribed() {
      const bench = newBench({ config: PREMIUM_ON, users: ["u1", "u2", "u3"] });
      await bench.login("c1", "alice");
      await bench.send("c1", req.subscribe("u1", "u2", "u3"));
      return bench;
    }

    it("needs the premium plan and the feature switch", async () => {
      const bench = await subscribed();
      await bench.engine.updateSwitches({ featureEnabled: false });
      expect(errorOf(answer(await bench.send("c1", req.unsubscribe("u1")), "c1")).code).toBe(ErrorCode.ERROR_CODE_FEATURE_DISABLED);
      await bench.engine.updateSwitches({ plan: "basic" });
      expect(errorOf(answer(await bench.send("c1", req.unsubscribe("u1")), "c1")).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED);
    });

    it("removes the named users, answering those actually removed in request order", async () => {
      const bench = await subscribed();
      const body = answer(await bench.send("c1", req.unsubscribe("u3", "ghost", "u1", "u3")), "c1");
      expect(body).toEqual({ $case: "unsubscribeUserStatusResponse", value: { removedUserIds: ["u3", "u1"] } });
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual(["u2"]);
    });

    it("an empty list clears every subscription; more than 100 ids is a batch error", async () => {
      const bench = await subscribed();
      const tooMany = Array.from({ length: 101 }, (_, i) => `u${i}`);
      expect(errorOf(answer(await bench.send("c1", req.unsubscribe(...tooMany)), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
      expect(answer(await bench.send("c1", req.unsubscribe()), "c1")).toEqual({ $case: "unsubscribeUserStatusResponse", value: { removedUserIds: ["u1", "u2", "u3"] } });
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual([]);
    });

    it("clears the list of a subscriber gone for the retention delay (default 300 s)", async () => {
      const bench = await subscribed();
      await bench.drop("c1");
      await bench.advance(SPEC_LIMITS.subscriptionRetentionMs - 1);
      expect((await bench.engine.subscriptionsOf("alice"))).toHaveLength(3);
      await bench.advance(1);
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual([]);
    });

    it("keeps the list of a subscriber who comes back before the delay, and while another device stays", async () => {
      const bench = await subscribed();
      await bench.login("c2", "alice");
      await bench.send("c1", req.logout());
      await bench.advance(SPEC_LIMITS.subscriptionRetentionMs);
      expect((await bench.engine.subscriptionsOf("alice"))).toHaveLength(3);
      await bench.drop("c2");
      await bench.advance(SPEC_LIMITS.subscriptionRetentionMs - 1);
      await bench.login("c3", "alice");
      await bench.advance(SPEC_LIMITS.subscriptionRetentionMs);
      expect((await bench.engine.subscriptionsOf("alice"))).toEqual(["u1", "u2", "u3"]);
    });
  });

  describe("Rule 8: set and get own status need no plan, no switch and no rate limit", () => {
    it("works on the basic plan with every switch off, any number of times", async () => {
      const bench = newBench({ config: { plan: "basic", featureEnabled: false, limits: { rateLimitRequests: 1 } } });
      await bench.login("c1", "alice");
      for (let i = 0; i < 30; i++) {
        expect(answer(await bench.send("c1", req.setStatus(`s${i}`)), "c1").$case).toBe("setSelfStatusResponse");
        expect(answer(await bench.send("c1", req.get("alice")), "c1").$case).toBe("getUserStatusResponse");
      }
    });
  });

  describe("Rule 9: rate limiting per user per operation class", () => {
    it("refuses the 21st request in 5 s with FREQUENCY_LIMIT and an exact retry-after", async () => {
      const bench = newBench({ config: PREMIUM_ON, users: ["bob"] });
      await bench.login("c1", "alice");
      for (let i = 0; i < 20; i++) {
        expect(answer(await bench.send("c1", req.get("bob")), "c1").$case).toBe("getUserStatusResponse");
        await bench.advance(100);
      }
      // The first request was at t0, it is now t0 + 2000 ms: the window frees in 3000 ms.
      expect(errorOf(answer(await bench.send("c1", req.get("bob")), "c1"))).toEqual({ code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, retryAfterMs: 3000 });
      await bench.advance(2999);
      expect(errorOf(answer(await bench.send("c1", req.get("bob")), "c1")).retryAfterMs).toBe(1);
      await bench.advance(1);
      expect(answer(await bench.send("c1", req.get("bob")), "c1").$case).toBe("getUserStatusResponse");
    });

    it("counts each class and each user apart, and not self queries", async () => {
      const bench = newBench({ config: { ...PREMIUM_ON, limits: { rateLimitRequests: 1 } }, users: ["bob"] });
      await bench.login("a", "alice");
      await bench.login("c", "carol");
      expect(answer(await bench.send("a", req.get("bob")), "a").$case).toBe("getUserStatusResponse");
      expect(answer(await bench.send("a", req.get("alice")), "a").$case).toBe("getUserStatusResponse");
      expect(answer(await bench.send("a", req.subscribe("bob")), "a").$case).toBe("subscribeUserStatusResponse");
      expect(answer(await bench.send("a", req.unsubscribe("bob")), "a").$case).toBe("unsubscribeUserStatusResponse");
      expect(answer(await bench.send("c", req.get("bob")), "c").$case).toBe("getUserStatusResponse");
      expect(errorOf(answer(await bench.send("a", req.subscribe("bob")), "a")).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
    });

    it("shares the budget across all devices of a user", async () => {
      const bench = newBench({ config: { ...PREMIUM_ON, limits: { rateLimitRequests: 1 } }, users: ["bob"] });
      await bench.login("a1", "alice");
      await bench.login("a2", "alice");
      await bench.send("a1", req.get("bob"));
      expect(errorOf(answer(await bench.send("a2", req.get("bob")), "a2")).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
    });
  });

  describe("Rule 10: app configuration", () => {
    it("starts like the source system: basic plan, both switches off, spec limits", async () => {
      const bench = newBench();
      expect(bench.engine.settings).toEqual({ plan: "basic", featureEnabled: false, friendAutoNotify: false, limits: SPEC_LIMITS });
    });

    it("lets every limit be overridden, and rejects invalid ones", async () => {
      const bench = newBench({ config: { ...PREMIUM_ON, limits: { maxQueryUsers: 2 } }, users: ["b", "c", "d"] });
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.get("b", "c", "d")), "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
      expect(() => newBench({ config: { limits: { maxQueryUsers: 0 } } })).toThrow(/maxQueryUsers/);
    });

    it("a switch turned off mid-session stops subscriber pushes but keeps the lists", async () => {
      const bench = newBench({ config: PREMIUM_ON });
      await bench.login("a", "alice");
      await bench.login("b", "bob");
      await bench.send("b", req.subscribe("alice"));
      await bench.engine.updateSwitches({ featureEnabled: false });
      expect(notifiedConnections(await bench.send("a", req.setStatus("busy")))).toEqual([]);
      expect((await bench.engine.subscriptionsOf("bob"))).toEqual(["alice"]);
      await bench.engine.updateSwitches({ featureEnabled: true });
      expect(notificationsTo(await bench.send("a", req.setStatus("free")), "b")).toEqual([[expect.objectContaining({ version: 3n })]]);
    });

    it("asks the injected directory which users exist, and the injected authenticator for tokens", async () => {
      const bench = newBench({
        config: PREMIUM_ON,
        users: ["bob"],
        authenticate: (userId) => (userId === "eve" ? ErrorCode.ERROR_CODE_TOKEN_INVALID : undefined),
      });
      bench.connect("e");
      const refused = await bench.send("e", req.login("eve"));
      expect(errorOf(answer(refused, "e")).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
      expect(closedConnections(refused)).toEqual([{ connectionId: "e", code: ErrorCode.ERROR_CODE_TOKEN_INVALID }]);
      await bench.login("c1", "alice");
      expect(answer(await bench.send("c1", req.get("bob", "eve")), "c1")).toMatchObject({ value: { statuses: [{ userId: "bob" }], errors: [{ userId: "eve" }] } });
    });
  });

  describe("Rule 11: versions", () => {
    it("increase by one on every visible change, including devices joining and leaving while ONLINE", async () => {
      const bench = newBench();
      await bench.login("phone", "alice");
      const observed: bigint[] = [];
      const track = (effects: Awaited<ReturnType<Bench["send"]>>) => observed.push(...notificationsTo(effects, "phone").flat().map((s) => s.version));
      track(await bench.login("laptop", "alice"));
      track(await bench.send("laptop", req.setStatus("busy")));
      track(await bench.drop("laptop"));
      expect(observed).toEqual([2n, 3n, 4n]);
      expect((await bench.engine.statusOf("alice"))).toMatchObject({ version: 4n, reason: R.STATUS_CHANGE_REASON_CONNECTION_CLOSED, customStatus: "busy" });
    });

    it("survive sessions: a user who comes back continues from the last version", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      await bench.send("c1", req.logout());
      const login = loginResponse(answer(await bench.login("c2", "alice"), "c2"));
      expect(login.selfStatus).toMatchObject({ version: 3n, reason: R.STATUS_CHANGE_REASON_LOGIN, changedAtMs: BigInt(bench.clock.now()) });
    });
  });

  describe("Session rules of the wire spec", () => {
    it("answers requests before login with NOT_LOGGED_IN and keeps the connection", async () => {
      const bench = newBench();
      bench.connect("c1");
      const effects = await bench.send("c1", req.setStatus("x"));
      expect(errorOf(answer(effects, "c1")).code).toBe(ErrorCode.ERROR_CODE_NOT_LOGGED_IN);
      expect(closedConnections(effects)).toEqual([]);
      expect(answer(await bench.send("c1", req.login("alice")), "c1").$case).toBe("loginResponse");
    });

    it("refuses a second login on a connection with ALREADY_LOGGED_IN", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", req.login("bob")), "c1")).code).toBe(ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN);
      expect((await bench.engine.statusOf("bob"))).toBeUndefined();
    });

    it("closes a connection that sends a request with request id 0", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      const effects = await bench.send("c1", req.ping(), 0);
      expect(framesTo(effects, "c1")).toEqual([{ requestId: 0, body: { $case: "error", value: expect.objectContaining({ code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS }) } }]);
      expect(closedConnections(effects)).toEqual([{ connectionId: "c1", code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS }]);
      expect((await bench.engine.statusOf("alice"))?.statusType).toBe(OFFLINE);
    });

    it("answers an absent or server-only body with UNSUPPORTED_BODY, and ignores it with request id 0", async () => {
      const bench = newBench();
      await bench.login("c1", "alice");
      expect(errorOf(answer(await bench.send("c1", undefined, 5), "c1")).code).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY);
      const pong: Body = { $case: "pong", value: { clientTimeMs: 0n, serverTimeMs: 0n } };
      expect(errorOf(answer(await bench.send("c1", pong, 6), "c1")).code).toBe(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY);
      expect(await bench.send("c1", undefined, 0)).toEqual([]);
    });

    it("refuses a login with an invalid user id and keeps the connection for a retry", async () => {
      const bench = newBench();
      bench.connect("c1");
      const effects = await bench.send("c1", req.login(""));
      expect(errorOf(answer(effects, "c1")).code).toBe(ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
      expect(closedConnections(effects)).toEqual([]);
    });
  });
});

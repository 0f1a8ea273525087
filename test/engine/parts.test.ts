// The engine's building blocks on their own: simulated time, the rate limiter
// (rule 9) and the subscription store (rule 6).
import { describe, expect, it } from "vitest";
import { SimulatedTimeError, SlidingWindowRateLimiter, SubscriptionStore, simulatedTime } from "../../src/engine/index.js";

describe("SimulatedTimers", () => {
  it("runs due timers in due order (ties in scheduling order) with the clock at each due time", () => {
    const { clock, timers } = simulatedTime(100);
    const ran: string[] = [];
    timers.schedule(50, () => ran.push(`b@${clock.now()}`));
    timers.schedule(10, () => ran.push(`a@${clock.now()}`));
    timers.schedule(50, () => ran.push(`c@${clock.now()}`));
    const cancelled = timers.schedule(20, () => ran.push("never"));
    timers.cancel(cancelled);
    timers.advanceTo(149);
    expect(ran).toEqual(["a@110"]);
    timers.advanceBy(1);
    expect(ran).toEqual(["a@110", "b@150", "c@150"]);
    expect(timers.size).toBe(0);
  });

  it("runs timers scheduled by a timer when they fall due within the same advance", () => {
    const { clock, timers } = simulatedTime();
    const ran: number[] = [];
    timers.schedule(10, () => timers.schedule(10, () => ran.push(clock.now())));
    timers.advanceTo(25);
    expect(ran).toEqual([20]);
    expect(clock.now()).toBe(25);
  });

  it("refuses to go back in time", () => {
    const { timers } = simulatedTime(1000);
    expect(() => timers.advanceTo(999)).toThrow(SimulatedTimeError);
  });
});

describe("SlidingWindowRateLimiter (rule 9)", () => {
  it("allows `limit` requests in any window, keyed by user and operation, and forgets a user on request", () => {
    const limiter = new SlidingWindowRateLimiter(2, 1000);
    expect(limiter.tryAcquire("a", "query", 0)).toEqual({ allowed: true });
    expect(limiter.tryAcquire("a", "query", 400)).toEqual({ allowed: true });
    expect(limiter.tryAcquire("a", "query", 999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(limiter.tryAcquire("a", "subscribe", 999)).toEqual({ allowed: true });
    expect(limiter.tryAcquire("b", "query", 999)).toEqual({ allowed: true });
    expect(limiter.tryAcquire("a", "query", 1000)).toEqual({ allowed: true });
    expect(limiter.tryAcquire("a", "query", 1000)).toEqual({ allowed: false, retryAfterMs: 400 });
    limiter.forget("a");
    expect(limiter.tryAcquire("a", "query", 1000)).toEqual({ allowed: true });
  });
});

describe("SubscriptionStore (rule 6)", () => {
  it("keeps subscription order, moves re-subscribed entries to the end, evicts the earliest and keeps the reverse index", () => {
    const store = new SubscriptionStore();
    expect(store.subscribe("s", ["a", "b", "c"], 3)).toEqual({ evicted: [] });
    expect(store.subscribe("s", ["a", "d"], 3)).toEqual({ evicted: ["b"] });
    expect(store.listOf("s")).toEqual(["c", "a", "d"]);
    expect([...store.subscribersOf("b")]).toEqual([]);
    expect([...store.subscribersOf("a")]).toEqual(["s"]);
    expect(store.unsubscribe("s", ["d", "x"])).toEqual(["d"]);
    expect(store.clear("s")).toEqual(["c", "a"]);
    expect([...store.subscribersOf("a")]).toEqual([]);
  });
});

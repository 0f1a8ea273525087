// The engine's building blocks on their own: simulated time, the rate window
// (rule 9) and the subscription list rules (rules 6 and 7).
import { describe, expect, it } from "vitest";
import { admit, SimulatedTimeError, simulatedTime, subscribeTo, unsubscribeFrom } from "../../src/engine/index.js";

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

describe("admit: the sliding window (rule 9)", () => {
  it("allows `limit` requests in any window and says exactly when the next one passes", () => {
    const step = (times: readonly number[], nowMs: number) => admit(times, nowMs, 2, 1000);
    expect(step([], 0)).toEqual({ decision: { allowed: true }, times: [0] });
    expect(step([0], 400)).toEqual({ decision: { allowed: true }, times: [0, 400] });
    expect(step([0, 400], 999)).toEqual({ decision: { allowed: false, retryAfterMs: 1 }, times: [0, 400] });
    expect(step([0, 400], 1000)).toEqual({ decision: { allowed: true }, times: [400, 1000] });
    expect(step([400, 1000], 1000)).toEqual({ decision: { allowed: false, retryAfterMs: 400 }, times: [400, 1000] });
  });
});

describe("subscribeTo and unsubscribeFrom (rules 6 and 7)", () => {
  it("keep subscription order, move re-subscribed entries to the end, evict the earliest", () => {
    expect(subscribeTo([], ["a", "b", "c"], 3)).toEqual({ list: ["a", "b", "c"], evicted: [] });
    expect(subscribeTo(["a", "b", "c"], ["a", "d"], 3)).toEqual({ list: ["c", "a", "d"], evicted: ["b"] });
    expect(unsubscribeFrom(["c", "a", "d"], ["d", "x", "d"])).toEqual({ list: ["c", "a"], removed: ["d"] });
  });
});

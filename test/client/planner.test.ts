import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkIds, RateBudget } from "../../src/client/planner.js";
import { ConfigError } from "../../src/codec/errors.js";

describe("chunkIds", () => {
  it("keeps every distinct id once, in first-seen order, in chunks no larger than the limit", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 3 }), { maxLength: 300 }), fc.integer({ min: 1, max: 120 }), (ids, max) => {
        const chunks = chunkIds(ids, max);
        expect(chunks.flat()).toEqual([...new Set(ids)]);
        expect(chunks.every((chunk) => chunk.length >= 1 && chunk.length <= max)).toBe(true);
        expect(chunks.slice(0, -1).every((chunk) => chunk.length === max)).toBe(true);
      }),
    );
  });

  it("refuses a non-positive chunk size", () => {
    expect(() => chunkIds(["a"], 0)).toThrow(ConfigError);
  });
});

describe("RateBudget", () => {
  it("never lets more than N requests into any window when its delays are followed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        (requests, windowMs, gaps) => {
          const budget = new RateBudget(requests, windowMs);
          const sent: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            now += budget.delayMs(now);
            expect(budget.delayMs(now)).toBe(0);
            budget.record(now);
            sent.push(now);
          }
          for (const at of sent) {
            expect(sent.filter((t) => t > at - windowMs && t <= at).length).toBeLessThanOrEqual(requests);
          }
        },
      ),
    );
  });

  it("holds everything back until a server's retry-after has passed", () => {
    const budget = new RateBudget(20, 5000);
    budget.blockUntil(1200);
    expect(budget.delayMs(0)).toBe(1200);
    expect(budget.delayMs(1200)).toBe(0);
  });
});

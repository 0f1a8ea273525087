// The SDK's ordering rule on its own: the latest status per user, versions compared within an epoch.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { LatestStatuses } from "../../src/client/versions.js";

const status = (userId: string, version: bigint, epoch = 0n): UserStatus => UserStatus.fromPartial({ userId, version, epoch });

/** Versions 1..n of one user in one epoch, in an arbitrary arrival order, some arriving twice. */
const arrivals = fc
  .integer({ min: 1, max: 30 })
  .chain((n) => fc.tuple(fc.shuffledSubarray([...Array(n).keys()].map((i) => BigInt(i + 1)), { minLength: n, maxLength: n }), fc.array(fc.bigInt({ min: 1n, max: BigInt(n) }))))
  .chain(([order, repeats]) => fc.shuffledSubarray([...order, ...repeats], { minLength: order.length + repeats.length }));

describe("LatestStatuses", () => {
  it("passes on versions of one epoch strictly increasing, jumps included, and ends at the highest", () => {
    fc.assert(
      fc.property(arrivals, (versions) => {
        const latest = new LatestStatuses();
        const passed: bigint[] = [];
        for (const version of versions) {
          const previous = latest.get("u")?.version;
          const kept = latest.remember(status("u", version));
          expect(kept).toBe(previous === undefined || version > previous);
          if (kept) passed.push(version);
        }
        expect(passed).toEqual([...passed].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(passed).size).toBe(passed.length);
        expect(latest.get("u")?.version).toBe(versions.reduce((a, b) => (a > b ? a : b)));
      }),
    );
  });

  it("lets a status of another epoch replace the kept one, whatever the version", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 1n, max: 9n }), (older, newer, epoch) => {
        const latest = new LatestStatuses();
        latest.remember(status("u", older, epoch));
        expect(latest.remember(status("u", newer, epoch + 1n))).toBe(true);
        expect(latest.get("u")?.epoch).toBe(epoch + 1n);
        // Back to the old epoch is another epoch too.
        expect(latest.remember(status("u", 0n, epoch))).toBe(true);
      }),
    );
  });

  it("forgets every version when a login's own status is not above the one kept (a state started afresh)", () => {
    const latest = new LatestStatuses();
    latest.remember(status("me", 4n));
    latest.remember(status("bob", 9n));
    latest.rememberLogin(status("me", 5n));
    expect(latest.get("bob")?.version).toBe(9n);
    latest.rememberLogin(status("me", 1n));
    expect(latest.get("bob")).toBeUndefined();
    expect(latest.get("me")?.version).toBe(1n);
    expect(latest.remember(status("bob", 1n))).toBe(true);
  });

  it("forgets every status kept when a login's own status brings another epoch, whatever its version", () => {
    const latest = new LatestStatuses();
    latest.remember(status("me", 4n, 100n));
    latest.remember(status("friend", 2n, 100n));
    latest.rememberLogin(status("me", 7n, 200n));
    expect(latest.get("friend")).toBeUndefined();
    expect(latest.get("me")).toMatchObject({ version: 7n, epoch: 200n });
  });
});

// Cluster mode's key layout runs on Redis Cluster: every key a compare-and-set
// script touches (one user's cells and revision counter) hashes to one slot,
// whatever the user id, braces included.
import calculateSlot from "cluster-key-slot";
import fc from "fast-check";
import { expect, it } from "vitest";
import { ClusterKeys } from "../../src/cluster/keys.js";
import { OPERATION_CLASSES } from "../../src/protocol/requests.js";

const keys = new ClusterKeys();
const scriptKeys = (userId: string) => [keys.revisions(userId), keys.user(userId), keys.subscriptions(userId), ...OPERATION_CLASSES.map((op) => keys.rate(userId, op))];

it("puts every key of one user's compare-and-set in one slot, for any user id", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[{}%a]{1,8}$/)), (userId) => {
      const slots = new Set(scriptKeys(userId).map((key) => calculateSlot(key)));
      expect(slots.size).toBe(1);
    }),
    { numRuns: 2000 },
  );
});

it("keeps users with braces in their ids apart from each other", () => {
  expect(keys.user("a}b")).not.toBe(keys.user("a"));
  expect(keys.user("}x")).toBe("presence:{%7Dx}:user");
  expect(keys.user("%7Dx")).toBe("presence:{%257Dx}:user");
});

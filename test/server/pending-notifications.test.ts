// What a connection holds for its client: every status in order while it keeps up; once it is
// behind, only the latest per user, however many statuses arrive before the next write.
import fc from "fast-check";
import { expect, it } from "vitest";
import { UserStatus, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import { PendingNotifications } from "../../src/server/pending-notifications.js";

const status = (userId: string, version: number): UserStatus => ({
  ...UserStatus.fromPartial({ userId, statusType: UserStatusType.USER_STATUS_TYPE_ONLINE, epoch: 1n }),
  version: BigInt(version),
});

const batches = fc.array(fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 6 }), { maxLength: 12 });

it("keeps every status in order while the client keeps up", () => {
  fc.assert(
    fc.property(batches, (users) => {
      const pending = new PendingNotifications();
      let version = 0;
      const sent: UserStatus[] = [];
      for (const batch of users) {
        const statuses = batch.map((u) => status(u, ++version));
        expect(pending.add(statuses)).toBe(0);
        sent.push(...statuses);
      }
      expect(pending.size).toBe(sent.length);
      expect(pending.take()).toEqual(sent);
      expect(pending.size).toBe(0);
    }),
  );
});

it("once behind, holds at most one status per user, the latest, and counts what it replaced", () => {
  fc.assert(
    fc.property(batches, batches, (before, after) => {
      const pending = new PendingNotifications();
      let version = 0;
      const latest = new Map<string, UserStatus>();
      const all: UserStatus[] = [];
      const add = (batch: string[]) => batch.map((u) => status(u, ++version)).forEach((s) => (all.push(s), latest.set(s.userId, s)));
      for (const batch of before) {
        add(batch);
        pending.add(all.slice(all.length - batch.length));
      }
      let dropped = pending.coalesce();
      for (const batch of after) {
        add(batch);
        dropped += pending.add(all.slice(all.length - batch.length));
        expect(pending.size).toBeLessThanOrEqual(latest.size);
      }
      expect(dropped).toBe(all.length - latest.size);
      const held = pending.take();
      expect(new Map(held.map((s) => [s.userId, s]))).toEqual(latest);
      expect(held).toHaveLength(latest.size);
    }),
  );
});

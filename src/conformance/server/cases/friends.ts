// Friend auto-notification: friends are told without subscribing, once even
// when they also subscribed (docs/engine.md Rule 4.3; operations.proto
// UserStatusChangedNotification). Friend pairs come from --friends: the
// server's friend data is its own.
import { StatusChangeReason, type UserStatus } from "../../../../generated/ts-proto/presence/v1/status.js";
import { CheckFailure } from "../../errors.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext } from "../context.js";
import { nextStatusOf } from "../checks.js";
import { bodyOf, expectEqual } from "../expect.js";
import type { WirePeer } from "../peer.js";

/**
 * Friend ids are shared by every run, so a late notification from an earlier
 * case may still be on its way: skip anything older than `version`.
 */
async function statusAtVersion(ctx: CaseContext, peer: WirePeer, userId: string, version: bigint): Promise<UserStatus> {
  for (let skipped = 0; skipped < 10; skipped++) {
    const seen = await nextStatusOf(ctx, peer, userId);
    if (seen.version > version) throw new CheckFailure(`${peer.label}: expected ${userId} at version ${version}, got version ${seen.version}`);
    if (seen.version === version) return seen;
  }
  throw new CheckFailure(`${peer.label}: ${userId} never reached version ${version}`);
}

export const friends: CaseFamily = {
  name: "friends",
  cases: [
    {
      id: "friends.notified-without-subscription",
      title: "A friend is told of a login and a status change without subscribing",
      rule: "docs/engine.md Rule 4.3; docs/protocol.md §4 Notifications (every friend when friend auto-notification is on)",
      needs: "friends",
      async run(ctx) {
        const [userA, userB] = ctx.target.friends[0]!;
        const b = await ctx.login(userB, { deviceId: ctx.user("b") });
        const a = await ctx.login(userA, { deviceId: ctx.user("a") });
        const login = await statusAtVersion(ctx, b.peer, userA, a.login.selfStatus!.version);
        expectEqual(StatusChangeReason[login.reason], "STATUS_CHANGE_REASON_LOGIN", "reason of the friend's login");
        const set = bodyOf(await ctx.request(a.peer, { $case: "setSelfStatusRequest", value: { customStatus: `hello ${ctx.user("x")}` } }), "setSelfStatusResponse").status!;
        expectEqual((await nextStatusOf(ctx, b.peer, userA)).version, set.version, "the friend's notification of the status change");
      },
    },
    {
      id: "friends.once-when-also-subscribed",
      title: "A friend who also subscribed is told of each change once",
      rule: "docs/engine.md Rule 4 (a connection that qualifies several times gets the change once)",
      needs: "friends",
      async run(ctx) {
        const [userA, userB] = ctx.target.friends[0]!;
        const b = await ctx.login(userB, { deviceId: ctx.user("b") });
        const a = await ctx.login(userA, { deviceId: ctx.user("a") });
        await statusAtVersion(ctx, b.peer, userA, a.login.selfStatus!.version);
        bodyOf(await ctx.request(b.peer, { $case: "subscribeUserStatusRequest", value: { userIds: [userA] } }), "subscribeUserStatusResponse");
        const first = bodyOf(await ctx.request(a.peer, { $case: "setSelfStatusRequest", value: { customStatus: "one" } }), "setSelfStatusResponse").status!;
        const second = bodyOf(await ctx.request(a.peer, { $case: "setSelfStatusRequest", value: { customStatus: "two" } }), "setSelfStatusResponse").status!;
        expectEqual((await nextStatusOf(ctx, b.peer, userA)).version, first.version, "the first notification's version");
        expectEqual((await nextStatusOf(ctx, b.peer, userA)).version, second.version, "the second notification's version (a duplicate would repeat the first)");
        bodyOf(await ctx.request(b.peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [userA] } }), "unsubscribeUserStatusResponse");
      },
    },
  ],
};

// Friend auto-notification: friends are told without subscribing, once even
// when they also subscribed, and a login answer carries the friends' statuses
// (docs/engine.md Rule 4; operations.proto UserStatusChangedNotification;
// session.proto LoginResponse.friend_statuses). Friend pairs come from --friends: the
// server's friend data is its own.
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../../../generated/ts-proto/presence/v1/status.js";
import { CheckFailure } from "../../errors.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext, Session } from "../context.js";
import { expectEachChangeOnce, nextStatusOf } from "../checks.js";
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

/** Logs friend B in, then friend A; returns both, and the status B is told of A's login. */
async function friendJoins(ctx: CaseContext): Promise<{ a: Session; b: Session; told: UserStatus }> {
  const [userA, userB] = ctx.target.friends[0]!;
  const b = await ctx.login(userB, { deviceId: ctx.user("b") });
  const a = await ctx.login(userA, { deviceId: ctx.user("a") });
  return { a, b, told: await statusAtVersion(ctx, b.peer, userA, a.login.selfStatus!.version) };
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
        const { a, b, told } = await friendJoins(ctx);
        expectEqual(StatusChangeReason[told.reason], "STATUS_CHANGE_REASON_LOGIN", "reason of the friend's login");
        const set = bodyOf(await ctx.request(a.peer, { $case: "setSelfStatusRequest", value: { customStatus: `hello ${ctx.user("x")}` } }), "setSelfStatusResponse").status!;
        expectEqual((await nextStatusOf(ctx, b.peer, a.userId)).version, set.version, "the friend's notification of the status change");
      },
    },
    {
      id: "friends.statuses-at-login",
      title: "A login answer carries the current status of a friend who is online",
      rule: "session.proto LoginResponse.friend_statuses (filled while friend auto-notification is on); docs/protocol.md §3.2",
      needs: "friends",
      async run(ctx) {
        const [userA, userB] = ctx.target.friends[0]!;
        const a = await ctx.login(userA, { deviceId: ctx.user("a") });
        const set = bodyOf(await ctx.request(a.peer, { $case: "setSelfStatusRequest", value: { customStatus: `at login ${ctx.user("x")}` } }), "setSelfStatusResponse").status!;
        const b = await ctx.login(userB, { deviceId: ctx.user("b") });
        const friend = b.login.friendStatuses.find((status) => status.userId === userA);
        if (!friend) throw new CheckFailure(`${b.peer.label}: the login answer lists no status of friend ${userA} (friend_statuses: [${b.login.friendStatuses.map((s) => s.userId).join(", ")}])`);
        expectEqual(UserStatusType[friend.statusType], "USER_STATUS_TYPE_ONLINE", "the friend's status type");
        if (friend.version < set.version) throw new CheckFailure(`${b.peer.label}: friend ${userA} at version ${friend.version}, older than ${set.version}, the version of its last change`);
        if (friend.version === set.version) expectEqual(friend.customStatus, set.customStatus, "the friend's custom status");
      },
    },
    {
      id: "friends.once-when-also-subscribed",
      title: "A friend who also subscribed is told of each change once",
      rule: "docs/engine.md Rule 4 (a connection that qualifies several times gets the change once)",
      needs: "friends",
      async run(ctx) {
        const { a, b } = await friendJoins(ctx);
        bodyOf(await ctx.request(b.peer, { $case: "subscribeUserStatusRequest", value: { userIds: [a.userId] } }), "subscribeUserStatusResponse");
        await expectEachChangeOnce(ctx, a.peer, b.peer, a.userId);
        bodyOf(await ctx.request(b.peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [a.userId] } }), "unsubscribeUserStatusResponse");
      },
    },
  ],
};

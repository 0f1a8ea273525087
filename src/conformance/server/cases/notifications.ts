// Who is told of a change, once, with versions +1 and the right reasons
// (docs/protocol.md §4 Notifications; docs/engine.md Rules 1, 3, 4, 11).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../../../generated/ts-proto/presence/v1/status.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext } from "../context.js";
import { expectEachChangeOnce, expectNextVersion, nextStatusOf } from "../checks.js";
import { check } from "../../errors.js";
import { bodyOf, expectEqual, expectError } from "../expect.js";
import type { FrameBody, WirePeer } from "../peer.js";

const setStatus = (customStatus: string): FrameBody => ({ $case: "setSelfStatusRequest", value: { customStatus } });
const subscribe = (userIds: string[]): FrameBody => ({ $case: "subscribeUserStatusRequest", value: { userIds } });
const { ONLINE, OFFLINE, UNLOGINED } = { ONLINE: UserStatusType.USER_STATUS_TYPE_ONLINE, OFFLINE: UserStatusType.USER_STATUS_TYPE_OFFLINE, UNLOGINED: UserStatusType.USER_STATUS_TYPE_UNLOGINED };
const Reason = StatusChangeReason;

interface Expected {
  reason: StatusChangeReason;
  type: UserStatusType;
  customStatus: string;
  devices: string[];
}

/** The watcher's next notification about `userId` must be the change right after `previous`, as described. */
async function expectChange(ctx: CaseContext, watcher: WirePeer, userId: string, previous: UserStatus, expected: Expected, what: string): Promise<UserStatus> {
  const seen = await nextStatusOf(ctx, watcher, userId);
  expectNextVersion(seen, previous.version, expected.reason, what);
  expectEqual(UserStatusType[seen.statusType], UserStatusType[expected.type], `${what}: status type`);
  expectEqual(seen.customStatus, expected.customStatus, `${what}: custom status`);
  expectEqual(seen.onlineDevices.map((d) => d.deviceId), expected.devices, `${what}: online devices, in login order`);
  check(seen.changedAtMs >= previous.changedAtMs, `${what}: changed_at_ms ${seen.changedAtMs} is before the previous change's ${previous.changedAtMs}`);
  return seen;
}

export const notifications: CaseFamily = {
  name: "notifications",
  cases: [
    {
      id: "notify.multi-device-sync",
      title: "A change is pushed to the user's other devices, not to the device that made it (it has it in its response)",
      rule: "docs/engine.md Rule 4.1; operations.proto UserStatusChangedNotification",
      async run(ctx) {
        const [phone, laptop] = await ctx.loginPhoneAndLaptop("alice");
        const joined = await expectChange(ctx, phone.peer, phone.userId, phone.login.selfStatus!, { reason: Reason.STATUS_CHANGE_REASON_LOGIN, type: ONLINE, customStatus: "", devices: ["phone", "laptop"] }, "the phone's notification of the laptop's login");
        expectEqual(laptop.login.selfStatus?.version, joined.version, "the laptop's self_status version");
        const set = bodyOf(await ctx.request(phone.peer, setStatus("on my way")), "setSelfStatusResponse").status!;
        const synced = await expectChange(ctx, laptop.peer, phone.userId, joined, { reason: Reason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET, type: ONLINE, customStatus: "on my way", devices: ["phone", "laptop"] }, "the laptop's notification");
        expectEqual(synced.version, set.version, "the notification's version against the phone's response");
        // The laptop's own change fences the phone: had the phone been told of its own change, that push would come first.
        bodyOf(await ctx.request(laptop.peer, setStatus("arrived")), "setSelfStatusResponse");
        await expectChange(ctx, phone.peer, phone.userId, synced, { reason: Reason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET, type: ONLINE, customStatus: "arrived", devices: ["phone", "laptop"] }, "the phone's next notification (none for its own change)");
      },
    },
    {
      id: "notify.subscriber-lifecycle",
      title: "A subscriber sees every visible change, +1 each with its reason: status set, device joins and leaves, OFFLINE (custom status cleared in the same change), back ONLINE, UNLOGINED",
      rule: "docs/engine.md Rules 1, 3, 4.2 and 11; status.proto UserStatus.version, StatusChangeReason; docs/protocol.md §3.4-3.5",
      async run(ctx) {
        const desk = await ctx.login(ctx.user("alice"), { deviceId: "desk" });
        const bob = await ctx.loginWatching("bob", desk.userId);
        const snapshot = bob.subscribed.statuses[0]!;
        expectEqual(snapshot.version, desk.login.selfStatus!.version, "the subscribe snapshot's version");
        const alice = desk.userId;
        const watch = (previous: UserStatus, expected: Expected, what: string) => expectChange(ctx, bob.peer, alice, previous, expected, what);

        bodyOf(await ctx.request(desk.peer, setStatus("deep work")), "setSelfStatusResponse");
        let last = await watch(snapshot, { reason: Reason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET, type: ONLINE, customStatus: "deep work", devices: ["desk"] }, "custom status set");
        const phone = await ctx.login(alice, { deviceId: "phone" });
        last = await watch(last, { reason: Reason.STATUS_CHANGE_REASON_LOGIN, type: ONLINE, customStatus: "deep work", devices: ["desk", "phone"] }, "a second device logs in");
        bodyOf(await ctx.request(phone.peer, { $case: "logoutRequest", value: {} }), "logoutResponse");
        last = await watch(last, { reason: Reason.STATUS_CHANGE_REASON_LOGOUT, type: ONLINE, customStatus: "deep work", devices: ["desk"] }, "that device logs out");
        desk.peer.close();
        last = await watch(last, { reason: Reason.STATUS_CHANGE_REASON_CONNECTION_CLOSED, type: OFFLINE, customStatus: "", devices: [] }, "the last connection closes without logout");
        const again = await ctx.login(alice, { deviceId: "desk" });
        last = await watch(last, { reason: Reason.STATUS_CHANGE_REASON_LOGIN, type: ONLINE, customStatus: "", devices: ["desk"] }, "logging in again (versions survive sessions)");
        bodyOf(await ctx.request(again.peer, { $case: "logoutRequest", value: {} }), "logoutResponse");
        await watch(last, { reason: Reason.STATUS_CHANGE_REASON_LOGOUT, type: UNLOGINED, customStatus: "", devices: [] }, "the last device logs out");
      },
    },
    {
      id: "notify.only-to-entitled",
      title: "Nobody else is told: not a user who never subscribed, not one who unsubscribed, not a connection that has not logged in",
      rule: "docs/engine.md Rule 4 (nothing is ever pushed to a connection that is not logged in, nor to a user who is none of the above); operations.proto UnsubscribeUserStatusRequest",
      async run(ctx) {
        const anonymous = await ctx.connect("anonymous");
        const alice = await ctx.login(ctx.user("alice"));
        const dave = await ctx.login(ctx.user("dave"));
        const bob = await ctx.login(ctx.user("bob"));
        const carol = await ctx.login(ctx.user("carol"));
        bodyOf(await ctx.request(bob.peer, subscribe([alice.userId, dave.userId])), "subscribeUserStatusResponse");
        bodyOf(await ctx.request(bob.peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [alice.userId] } }), "unsubscribeUserStatusResponse");
        bodyOf(await ctx.request(carol.peer, subscribe([dave.userId])), "subscribeUserStatusResponse");
        bodyOf(await ctx.request(alice.peer, setStatus("unseen")), "setSelfStatusResponse");
        // Dave's change fences both watchers: a push about alice would arrive before it.
        bodyOf(await ctx.request(dave.peer, setStatus("seen")), "setSelfStatusResponse");
        for (const watcher of [bob, carol]) {
          const push = bodyOf(await watcher.peer.nextPush(ctx.target.answerTimeoutMs), "userStatusChanged", `${watcher.peer.label}: the next push`);
          expectEqual(push.statuses.map((s) => [s.userId, s.customStatus]), [[dave.userId, "seen"]], `${watcher.peer.label}: the only notification (about dave, none about alice)`);
        }
        // Both changes are out by now (the watchers got dave's): the anonymous connection's first frame must be this answer.
        expectError(await ctx.request(anonymous, { $case: "ping", value: { clientTimeMs: 1n } }), ErrorCode.ERROR_CODE_NOT_LOGGED_IN, "a ping before login");
        check(anonymous.received.length === 1, `a connection that never logged in was sent ${anonymous.received.length - 1} pushed frame(s)`);
      },
    },
    {
      id: "notify.once-per-change",
      title: "A subscriber that re-subscribed is told of each change once",
      rule: "operations.proto UserStatusChangedNotification (each change at most once per connection); docs/engine.md Rules 4 and 6",
      async run(ctx) {
        const alice = await ctx.login(ctx.user("alice"));
        const bob = await ctx.loginWatching("bob", alice.userId);
        bodyOf(await ctx.request(bob.peer, subscribe([alice.userId])), "subscribeUserStatusResponse");
        await expectEachChangeOnce(ctx, alice.peer, bob.peer, alice.userId);
      },
    },
  ],
};

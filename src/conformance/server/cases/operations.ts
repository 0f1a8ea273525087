// The four operations and their limits: custom status, queries, subscribe,
// unsubscribe (docs/protocol.md §4-5; docs/engine.md Rules 3, 5, 6, 7, 8).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType } from "../../../../generated/ts-proto/presence/v1/status.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext } from "../context.js";
import { expectNextVersion, nextStatusOf } from "../checks.js";
import { bodyOf, expectEqual, expectError } from "../expect.js";
import type { FrameBody, WirePeer } from "../peer.js";

const query = (userIds: string[]): FrameBody => ({ $case: "getUserStatusRequest", value: { userIds } });
const subscribe = (userIds: string[]): FrameBody => ({ $case: "subscribeUserStatusRequest", value: { userIds } });
const unsubscribe = (userIds: string[]): FrameBody => ({ $case: "unsubscribeUserStatusRequest", value: { userIds } });
const setStatus = (customStatus: string): FrameBody => ({ $case: "setSelfStatusRequest", value: { customStatus } });
const ghosts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-ghost-${i}`);
const ACCOUNT_NOT_FOUND = ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND;

/** A request of a batch of users answered with their statuses and per-user errors. */
interface Batch {
  noun: string;
  request: (userIds: string[]) => FrameBody;
  answer: "getUserStatusResponse" | "subscribeUserStatusResponse";
}

const QUERY: Batch = { noun: "query", request: query, answer: "getUserStatusResponse" };
const SUBSCRIBE: Batch = { noun: "subscribe", request: subscribe, answer: "subscribeUserStatusResponse" };

/** A batch in which every user fails (two unknown ones) must be answered with an Error. */
async function expectAllFail(ctx: CaseContext, batch: Batch): Promise<void> {
  const { peer } = await ctx.login(ctx.user("alice"));
  expectError(await ctx.request(peer, batch.request(ghosts(ctx.user("x"), 2))), ACCOUNT_NOT_FOUND);
}

/** A batch of 0 or `max` + 1 ids must be 70206; one of `max` ids (`known` and unknown ones) is served. */
async function expectBatchBounds(ctx: CaseContext, peer: WirePeer, batch: Batch, known: string, max: number): Promise<void> {
  expectError(await ctx.request(peer, batch.request([])), ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, `a ${batch.noun} of no ids`);
  expectError(await ctx.request(peer, batch.request([known, ...ghosts(known, max)])), ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, `a ${batch.noun} of ${max + 1} ids`);
  const full = bodyOf(await ctx.request(peer, batch.request([known, ...ghosts(known, max - 1)])), batch.answer, `a ${batch.noun} of ${max} ids`);
  expectEqual([full.statuses.length, full.errors.length], [1, max - 1], `statuses and per-user errors of the full ${batch.noun}`);
}

export const operations: CaseFamily = {
  name: "operations",
  cases: [
    {
      id: "status.set-and-clear",
      title: "Setting and clearing the custom status answer the new status, one version each, with their reasons",
      rule: "operations.proto SetSelfStatusRequest; docs/engine.md Rule 3",
      async run(ctx) {
        const { peer, login } = await ctx.login(ctx.user("alice"));
        const set = bodyOf(await ctx.request(peer, setStatus("在开会 📅")), "setSelfStatusResponse").status!;
        expectEqual(set.customStatus, "在开会 📅", "custom status after setting it");
        expectNextVersion(set, login.selfStatus!.version, StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET, "status after setting");
        const cleared = bodyOf(await ctx.request(peer, setStatus("")), "setSelfStatusResponse").status!;
        expectEqual(cleared.customStatus, "", "custom status after clearing it");
        expectNextVersion(cleared, set.version, StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED, "status after clearing");
      },
    },
    {
      id: "status.same-value-is-no-change",
      title: "Setting the custom status already held is no visible change: same version, no notification",
      rule: "docs/engine.md Rule 3 (setting the value already held is not a visible change)",
      async run(ctx) {
        const [phone, laptop] = await ctx.loginPhoneAndLaptop("alice");
        const first = bodyOf(await ctx.request(phone.peer, setStatus("busy")), "setSelfStatusResponse").status!;
        expectEqual((await nextStatusOf(ctx, laptop.peer, phone.userId)).version, first.version, "the other device's notification of the change");
        const again = bodyOf(await ctx.request(phone.peer, setStatus("busy")), "setSelfStatusResponse").status!;
        expectEqual(again.version, first.version, "version after setting the same value again");
        // A later real change fences the check: had the no-op been notified, that notification would come first.
        const next = bodyOf(await ctx.request(phone.peer, setStatus("free")), "setSelfStatusResponse").status!;
        const seen = await nextStatusOf(ctx, laptop.peer, phone.userId);
        expectEqual(seen.customStatus, "free", "the next notification the other device gets (none for the no-op)");
        expectEqual(seen.version, next.version, "its version");
      },
    },
    {
      id: "status.max-bytes",
      title: "A custom status of max_custom_status_bytes UTF-8 bytes is accepted; one byte more is 70402",
      rule: "operations.proto SetSelfStatusRequest.custom_status; session.proto Limits.max_custom_status_bytes",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"));
        const max = ctx.limits.maxCustomStatusBytes;
        const exact = "界".repeat(Math.floor(max / 3)) + "a".repeat(max % 3);
        expectEqual(bodyOf(await ctx.request(peer, setStatus(exact)), "setSelfStatusResponse").status?.customStatus, exact, `a custom status of ${max} bytes`);
        expectError(await ctx.request(peer, setStatus(`${exact}a`)), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `a custom status of ${max + 1} bytes`);
      },
    },
    {
      id: "query.own-status-not-rate-limited",
      title: "Querying only yourself (duplicates included) works past the rate limit: it is not counted",
      rule: "docs/engine.md Rules 5 and 8; operations.proto GetUserStatusRequest",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const count = ctx.limits.rateLimitRequests + 5;
        const ids = Array.from({ length: count }, () => peer.send(query([userId, userId])));
        for (const id of ids) {
          const { statuses } = bodyOf(await peer.answer(id, ctx.target.answerTimeoutMs), "getUserStatusResponse", `own-status query ${id} of ${count}`);
          expectEqual(statuses.map((s) => s.userId), [userId], "a query naming yourself twice is answered once");
        }
      },
    },
    {
      id: "query.partial-success",
      title: "A query of a known and an unknown user answers the known one and a 70107 UserError for the other, in request order",
      rule: "operations.proto GetUserStatusResponse; docs/engine.md Rule 5; errors.proto ERROR_CODE_ACCOUNT_NOT_FOUND (user)",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"), { deviceId: "desk" });
        bodyOf(await ctx.request(bob.peer, setStatus("here")), "setSelfStatusResponse");
        const { peer } = await ctx.login(ctx.user("alice"));
        const ghost = ctx.user("ghost");
        const answer = bodyOf(await ctx.request(peer, query([ghost, bob.userId, ghost])), "getUserStatusResponse");
        expectEqual(answer.statuses.map((s) => [s.userId, UserStatusType[s.statusType], s.customStatus, s.onlineDevices.map((d) => d.deviceId)]), [[bob.userId, "USER_STATUS_TYPE_ONLINE", "here", ["desk"]]], "statuses");
        expectEqual(answer.errors.map((e) => [e.userId, e.code]), [[ghost, ACCOUNT_NOT_FOUND]], "per-user errors (duplicates answered once)");
      },
    },
    {
      id: "query.all-fail",
      title: "A query in which every user fails is answered with an Error, not an empty response",
      rule: "operations.proto GetUserStatusResponse (when every user fails, the server answers with an Error); docs/engine.md Rule 5",
      run: (ctx) => expectAllFail(ctx, QUERY),
    },
    {
      id: "query.batch-count",
      title: "A query of 0 or max_query_users + 1 ids is 70206; max_query_users ids are served",
      rule: "operations.proto GetUserStatusRequest.user_ids; session.proto Limits.max_query_users",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        await expectBatchBounds(ctx, peer, QUERY, userId, ctx.limits.maxQueryUsers);
      },
    },
    {
      id: "query.invalid-user-id",
      title: "A query naming an empty or over-long user id is 70402; an id of exactly max_user_id_bytes is a valid id",
      rule: "docs/engine.md Rule 5 (an empty or over-long id fails the request); status.proto UserStatus.user_id; session.proto Limits.max_user_id_bytes",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const longest = "界".repeat(Math.floor(ctx.limits.maxUserIdBytes / 3)) + "x".repeat(ctx.limits.maxUserIdBytes % 3);
        expectError(await ctx.request(peer, query([userId, ""])), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "a query with an empty id");
        expectError(await ctx.request(peer, query([userId, `${longest}x`])), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "a query with an id one byte over");
        const answer = bodyOf(await ctx.request(peer, query([userId, longest])), "getUserStatusResponse", `a query with an id of ${ctx.limits.maxUserIdBytes} bytes`);
        expectEqual(answer.errors.map((e) => [e.userId, e.code]), [[longest, ACCOUNT_NOT_FOUND]], "the longest id is looked up (and unknown), not refused");
      },
    },
    {
      id: "subscribe.snapshot-and-partial",
      title: "Subscribe answers the current status of each user it subscribed and a 70107 UserError for unknown ones, which are not subscribed",
      rule: "operations.proto SubscribeUserStatusResponse; docs/engine.md Rule 6",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"));
        const bobNow = bodyOf(await ctx.request(bob.peer, setStatus("snap")), "setSelfStatusResponse").status!;
        const { peer } = await ctx.login(ctx.user("alice"));
        const ghost = ctx.user("ghost");
        const answer = bodyOf(await ctx.request(peer, subscribe([bob.userId, ghost])), "subscribeUserStatusResponse");
        expectEqual(answer.statuses.map((s) => [s.userId, s.customStatus, s.version]), [[bob.userId, "snap", bobNow.version]], "the snapshot of subscribed users");
        expectEqual(answer.errors.map((e) => [e.userId, e.code]), [[ghost, ACCOUNT_NOT_FOUND]], "per-user errors");
        expectEqual(answer.evictedUserIds, [], "evicted users");
        const removed = bodyOf(await ctx.request(peer, unsubscribe([])), "unsubscribeUserStatusResponse");
        expectEqual(removed.removedUserIds, [bob.userId], "the subscription list (read back by unsubscribing everyone)");
      },
    },
    {
      id: "subscribe.all-fail",
      title: "A subscribe in which every user fails is answered with an Error",
      rule: "operations.proto SubscribeUserStatusResponse (when every user fails, an Error instead); docs/engine.md Rule 6",
      run: (ctx) => expectAllFail(ctx, SUBSCRIBE),
    },
    {
      id: "subscribe.self",
      title: "A subscribe naming yourself fails as a whole with 72102, and subscribes nobody",
      rule: "operations.proto SubscribeUserStatusRequest.user_ids; errors.proto ERROR_CODE_CANNOT_SUBSCRIBE_SELF",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"));
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        expectError(await ctx.request(peer, subscribe([userId])), ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF, "subscribing to yourself");
        expectError(await ctx.request(peer, subscribe([bob.userId, userId])), ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF, "subscribing to someone and yourself");
        expectEqual(bodyOf(await ctx.request(peer, unsubscribe([])), "unsubscribeUserStatusResponse").removedUserIds, [], "the subscription list afterwards");
      },
    },
    {
      id: "subscribe.batch-count",
      title: "A subscribe of 0 or max_subscribe_users_per_call + 1 ids is 70206; max_subscribe_users_per_call ids are served",
      rule: "operations.proto SubscribeUserStatusRequest.user_ids; session.proto Limits.max_subscribe_users_per_call",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"));
        const { peer } = await ctx.login(ctx.user("alice"));
        await expectBatchBounds(ctx, peer, SUBSCRIBE, bob.userId, ctx.limits.maxSubscribeUsersPerCall);
      },
    },
    {
      id: "subscribe.eviction",
      title: "Past max_subscriptions the earliest entry is evicted and named; re-subscribing moves an entry to the newest place",
      rule: "session.proto Limits.max_subscriptions; operations.proto SubscribeUserStatusResponse.evicted_user_ids; docs/engine.md Rule 6",
      async run(ctx) {
        const max = ctx.limits.maxSubscriptions;
        if (max > 1000) ctx.skip(`the server announces max_subscriptions ${max}; the kit provisions at most 1000 users`);
        const users = Array.from({ length: max + 1 }, (_, i) => ctx.user(`u${i}`));
        await ctx.provision(users);
        const { peer } = await ctx.login(ctx.user("alice"));
        const perCall = ctx.limits.maxSubscribeUsersPerCall;
        for (let start = 0; start < max; start += perCall) {
          const answer = bodyOf(await ctx.request(peer, subscribe(users.slice(start, Math.min(start + perCall, max)))), "subscribeUserStatusResponse");
          expectEqual(answer.evictedUserIds, [], `evictions while the list fills up to ${max}`);
        }
        const over = bodyOf(await ctx.request(peer, subscribe([users[max]!])), "subscribeUserStatusResponse");
        expectEqual(over.evictedUserIds, [users[0]], `evictions when subscription ${max + 1} arrives`);
        const moved = bodyOf(await ctx.request(peer, subscribe([users[1]!])), "subscribeUserStatusResponse");
        expectEqual(moved.evictedUserIds, [], "evictions when re-subscribing a listed user");
        const back = bodyOf(await ctx.request(peer, subscribe([users[0]!])), "subscribeUserStatusResponse");
        expectEqual(back.evictedUserIds, [users[2]], "evictions after the earliest entry was re-subscribed (moved to the newest place)");
      },
    },
    {
      id: "unsubscribe.removed-and-all",
      title: "Unsubscribe names what it removed (ids not subscribed are ignored); an empty list removes everyone, earliest subscribed first",
      rule: "operations.proto UnsubscribeUserStatusRequest, UnsubscribeUserStatusResponse; docs/engine.md Rule 7",
      async run(ctx) {
        const [bob, carol, dave] = await Promise.all(["bob", "carol", "dave"].map((name) => ctx.login(ctx.user(name))));
        const { peer } = await ctx.login(ctx.user("alice"));
        bodyOf(await ctx.request(peer, subscribe([dave!.userId, bob!.userId])), "subscribeUserStatusResponse");
        bodyOf(await ctx.request(peer, subscribe([carol!.userId])), "subscribeUserStatusResponse");
        const some = bodyOf(await ctx.request(peer, unsubscribe([ctx.user("nobody"), bob!.userId])), "unsubscribeUserStatusResponse");
        expectEqual(some.removedUserIds, [bob!.userId], "removed by unsubscribing a subscribed and an unsubscribed id");
        const all = bodyOf(await ctx.request(peer, unsubscribe([])), "unsubscribeUserStatusResponse");
        expectEqual(all.removedUserIds, [dave!.userId, carol!.userId], "removed by an empty unsubscribe, earliest subscribed first");
      },
    },
    {
      id: "unsubscribe.batch-count",
      title: "An unsubscribe of max_unsubscribe_users_per_call + 1 ids is 70206",
      rule: "operations.proto UnsubscribeUserStatusRequest.user_ids; session.proto Limits.max_unsubscribe_users_per_call",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const max = ctx.limits.maxUnsubscribeUsersPerCall;
        expectError(await ctx.request(peer, unsubscribe(ghosts(userId, max + 1))), ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, `an unsubscribe of ${max + 1} ids`);
        bodyOf(await ctx.request(peer, unsubscribe(ghosts(userId, max))), "unsubscribeUserStatusResponse", `an unsubscribe of ${max} ids`);
      },
    },
  ],
};

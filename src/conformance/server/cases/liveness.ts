// Timers announced at login: the login timeout, the heartbeat timeout and the
// retention of a gone subscriber's list (docs/protocol.md §3.1, §3.3, §4;
// docs/engine.md Rules 2 and 7). Each waits on the server's real timers, so
// each is SKIPPED when that would take longer than --max-wait.
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType } from "../../../../generated/ts-proto/presence/v1/status.js";
import type { LimitsConfig } from "../../../protocol/limits.js";
import type { CaseFamily } from "../case.js";
import { expectConnectionError, expectNextVersion, expectUsable, nextStatusOf } from "../checks.js";
import { check } from "../../errors.js";
import { bodyOf, expectEqual, expectError } from "../expect.js";
import type { WirePeer } from "../peer.js";

/** Below this the kit cannot promise to log in again before the retention ends on a loaded machine. */
const MIN_RETENTION_TO_RETURN_MS = 1000;

/** Lateness allowed after a server timer is due: half the timer, at least 2 s (a loaded machine delays timers). */
const lateness = (timerMs: number) => Math.max(2000, timerMs / 2);

/** The server must close `peer` no earlier than `timerMs` after `sinceMs` (case time) and not much later. */
function expectClosedOnTime(peer: WirePeer, sinceMs: number, timerMs: number, what: string): void {
  const closedAfter = peer.closeInfo!.atMs - sinceMs;
  check(closedAfter >= timerMs * 0.98, `${what}: the server closed the connection after ${closedAfter} ms, before the announced ${timerMs} ms`);
  check(closedAfter <= timerMs + lateness(timerMs), `${what}: the server closed the connection after ${closedAfter} ms, long after the announced ${timerMs} ms`);
}

export const liveness: CaseFamily = {
  name: "liveness",
  cases: [
    {
      id: "liveness.login-timeout",
      title: "A connection that does not log in within login_timeout_ms (a refused login attempt included) gets 72110 (request id 0) and is closed",
      rule: "docs/protocol.md §3.1; docs/engine.md Sessions (a refused login may retry until the login timeout); session.proto Limits.login_timeout_ms; errors.proto ERROR_CODE_LOGIN_TIMEOUT",
      waitsMs: (limits: LimitsConfig) => limits.loginTimeoutMs + lateness(limits.loginTimeoutMs),
      async run(ctx) {
        const timeout = ctx.limits.loginTimeoutMs;
        // Measured from before the upgrade starts: the server's timer cannot start earlier.
        const connectingAt = ctx.log.elapsedMs();
        const peer = await ctx.connect("silent");
        const refused = await ctx.request(peer, { $case: "loginRequest", value: { userId: "", token: "", platform: 0, deviceId: "", clientVersion: "presence-conformance" } });
        expectError(refused, ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "a login with an empty user id");
        await expectConnectionError(ctx, peer, ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, { timeoutMs: timeout + lateness(timeout) });
        expectClosedOnTime(peer, connectingAt, timeout, "login timeout");
      },
    },
    {
      id: "liveness.heartbeat-timeout",
      title: "A logged-in connection silent for heartbeat_timeout_ms is closed (72111, best effort); its user becomes OFFLINE with reason HEARTBEAT_TIMEOUT and no custom status",
      rule: "docs/protocol.md §3.3; docs/engine.md Rules 2 and 3; session.proto Limits.heartbeat_timeout_ms; errors.proto ERROR_CODE_HEARTBEAT_TIMEOUT",
      waitsMs: (limits) => limits.heartbeatTimeoutMs + lateness(limits.heartbeatTimeoutMs),
      async run(ctx) {
        const timeout = ctx.limits.heartbeatTimeoutMs;
        const alice = await ctx.login(ctx.user("alice"), { keepAlive: false });
        const set = bodyOf(await ctx.request(alice.peer, { $case: "setSelfStatusRequest", value: { customStatus: "about to vanish" } }), "setSelfStatusResponse").status!;
        const watcher = (await ctx.loginWatching("watcher", alice.userId)).peer;
        ctx.log.event("kit", `${alice.peer.label} now sends nothing`);
        const silentSince = alice.peer.lastSentAtMs;
        await expectConnectionError(ctx, alice.peer, ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT, { timeoutMs: timeout + lateness(timeout), bestEffort: true });
        expectClosedOnTime(alice.peer, silentSince, timeout, "heartbeat timeout");
        const seen = await nextStatusOf(ctx, watcher, alice.userId);
        expectNextVersion(seen, set.version, StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT, "the subscriber's notification");
        expectEqual(UserStatusType[seen.statusType], "USER_STATUS_TYPE_OFFLINE", "status type after the timeout");
        expectEqual(seen.customStatus, "", "custom status after the timeout (cleared in the same change)");
      },
    },
    {
      id: "liveness.any-frame-resets-heartbeat",
      title: "Any frame resets the heartbeat timeout, not only Ping",
      rule: "docs/protocol.md §3.3 (every frame the server receives resets the heartbeat timer); session.proto Ping",
      waitsMs: (limits) => 2 * limits.heartbeatTimeoutMs,
      async run(ctx) {
        const timeout = ctx.limits.heartbeatTimeoutMs;
        const { peer, userId } = await ctx.login(ctx.user("alice"), { keepAlive: false });
        const step = Math.floor(timeout / 3);
        for (let sent = 0; sent < 6; sent++) {
          await ctx.sleep(step, "a third of heartbeat_timeout_ms, then an own-status query instead of a ping");
          bodyOf(await ctx.request(peer, { $case: "getUserStatusRequest", value: { userIds: [userId] } }), "getUserStatusResponse", `own-status query ${sent + 1}`);
        }
        await expectUsable(ctx, peer, "twice heartbeat_timeout_ms of queries without a ping");
      },
    },
    {
      id: "liveness.retention-kept-on-return",
      title: "A subscriber whose connection was lost and who logs in again before subscription_retention_ms keeps its list",
      rule: "docs/protocol.md §4 Unsubscribe; docs/engine.md Rule 7; session.proto Limits.subscription_retention_ms",
      async run(ctx) {
        const retention = ctx.limits.subscriptionRetentionMs;
        if (retention < MIN_RETENTION_TO_RETURN_MS) ctx.skip(`subscription_retention_ms ${retention} is too short to log in again within it reliably (at least ${MIN_RETENTION_TO_RETURN_MS} ms needed)`);
        const alice = await ctx.login(ctx.user("alice"));
        const first = await ctx.loginWatching("bob", alice.userId);
        first.peer.close();
        await first.peer.closed(ctx.target.answerTimeoutMs);
        const back = await ctx.login(first.userId);
        const set = bodyOf(await ctx.request(alice.peer, { $case: "setSelfStatusRequest", value: { customStatus: "still watched" } }), "setSelfStatusResponse").status!;
        const seen = await nextStatusOf(ctx, back.peer, alice.userId);
        expectEqual(seen.version, set.version, "the returning subscriber is notified without subscribing again");
      },
    },
    {
      id: "liveness.retention-cleared",
      title: "A subscriber gone longer than subscription_retention_ms (after a logout) finds its list cleared",
      rule: "docs/protocol.md §4 Unsubscribe; docs/engine.md Rule 7; session.proto Limits.subscription_retention_ms",
      waitsMs: (limits) => limits.subscriptionRetentionMs + lateness(limits.subscriptionRetentionMs),
      async run(ctx) {
        const retention = ctx.limits.subscriptionRetentionMs;
        const alice = await ctx.login(ctx.user("alice"));
        const first = await ctx.loginWatching("bob", alice.userId);
        bodyOf(await ctx.request(first.peer, { $case: "logoutRequest", value: {} }), "logoutResponse");
        await ctx.sleep(retention + lateness(retention), "subscription_retention_ms, plus a margin");
        const back = await ctx.login(first.userId);
        const removed = bodyOf(await ctx.request(back.peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [] } }), "unsubscribeUserStatusResponse");
        expectEqual(removed.removedUserIds, [], "the subscription list after the retention (read back by unsubscribing everyone)");
      },
    },
  ],
};

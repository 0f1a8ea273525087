// Login, tokens, requests before login, replacement and logout
// (docs/protocol.md §3; docs/engine.md "Sessions").
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType } from "../../../../generated/ts-proto/presence/v1/status.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext } from "../context.js";
import { expectConnectionError, expectNextVersion, expectUsable, nextStatusOf } from "../checks.js";
import { check } from "../../errors.js";
import { bodyOf, declaredCloseCode, expectEqual, expectError } from "../expect.js";
import type { FrameBody } from "../peer.js";

const BEFORE_LOGIN: FrameBody[] = [
  { $case: "ping", value: { clientTimeMs: 1n } },
  { $case: "getUserStatusRequest", value: { userIds: ["someone"] } },
  { $case: "setSelfStatusRequest", value: { customStatus: "too early" } },
  { $case: "subscribeUserStatusRequest", value: { userIds: ["someone"] } },
  { $case: "unsubscribeUserStatusRequest", value: { userIds: [] } },
  { $case: "logoutRequest", value: {} },
];

/** A login of alice with `token` on a connection labelled `label` must be refused with `code`, and closed as errors.proto declares at login. */
async function expectTokenRefused(ctx: CaseContext, token: string | undefined, code: ErrorCode, label = "alice"): Promise<void> {
  const login = await ctx.loginRequest(ctx.user("alice"), "d", token);
  const peer = await ctx.connect(label);
  expectError(await ctx.request(peer, login), code);
  const closed = await peer.closed(ctx.target.answerTimeoutMs);
  expectEqual(closed.code, declaredCloseCode(code, "login"), "WebSocket close code");
}

export const sessions: CaseFamily = {
  name: "sessions",
  cases: [
    {
      id: "login.response",
      title: "A login is answered with the limits in force, the server time, the user's status and the device id",
      rule: "docs/protocol.md §3.2; session.proto LoginResponse",
      async run(ctx) {
        const started = Date.now();
        const { userId, login } = await ctx.login(ctx.user("alice"), { deviceId: "laptop" });
        check(login.limits !== undefined, "LoginResponse.limits is missing");
        check(login.limits.heartbeatIntervalMs > 0 && login.limits.heartbeatTimeoutMs > login.limits.heartbeatIntervalMs, "limits must announce heartbeat_interval_ms below heartbeat_timeout_ms");
        const serverTime = Number(login.serverTimeMs);
        check(Math.abs(serverTime - started) < 300_000, `server_time_ms ${serverTime} is not the server's clock (the kit's is ${started})`);
        expectEqual(login.deviceId, "laptop", "LoginResponse.device_id");
        const self = login.selfStatus;
        check(self !== undefined, "LoginResponse.self_status is missing");
        expectEqual(self.userId, userId, "self_status.user_id");
        expectEqual(self.statusType, UserStatusType.USER_STATUS_TYPE_ONLINE, "self_status.status_type");
        expectEqual(self.onlineDevices.map((d) => d.deviceId), ["laptop"], "self_status.online_devices");
        expectEqual(self.version, 1n, "self_status.version of a first login (0 before any change, +1)");
        expectEqual(StatusChangeReason[self.reason], "STATUS_CHANGE_REASON_LOGIN", "self_status.reason");
      },
    },
    {
      id: "login.assigned-device-id",
      title: "A login with an empty device id is given one by the server",
      rule: "session.proto LoginRequest.device_id, LoginResponse.device_id",
      async run(ctx) {
        const { login } = await ctx.login(ctx.user("alice"), { deviceId: "" });
        check(login.deviceId !== "", "LoginResponse.device_id is empty for a login that asked the server to assign one");
        expectEqual(login.selfStatus?.onlineDevices.map((d) => d.deviceId), [login.deviceId], "self_status.online_devices");
      },
    },
    {
      id: "login.token-of-another-user",
      title: "A token issued for another user is refused with 72104 and the connection closes",
      rule: "docs/protocol.md §3.1; errors.proto ERROR_CODE_TOKEN_INVALID (login: closes)",
      run: async (ctx) => expectTokenRefused(ctx, await ctx.target.tokens.tokenFor(ctx.user("mallory")), ErrorCode.ERROR_CODE_TOKEN_INVALID, "mallory"),
    },
    {
      id: "login.token-malformed",
      title: "A malformed token is refused with 72104 and the connection closes",
      rule: "docs/protocol.md §3.1; errors.proto ERROR_CODE_TOKEN_INVALID (login: closes)",
      run: (ctx) => expectTokenRefused(ctx, "not-a-token", ErrorCode.ERROR_CODE_TOKEN_INVALID),
    },
    {
      id: "login.token-expired",
      title: "An expired token is refused with 72105 and the connection closes",
      rule: "docs/protocol.md §3.1; errors.proto ERROR_CODE_TOKEN_EXPIRED (login: closes)",
      needs: "expiredToken",
      run: (ctx) => expectTokenRefused(ctx, ctx.target.tokens.expiredTokenFor(ctx.user("alice")), ErrorCode.ERROR_CODE_TOKEN_EXPIRED),
    },
    {
      id: "login.requests-before-login",
      title: "Every request before login is answered 72103 and the connection stays open",
      rule: "docs/protocol.md §3.1; docs/engine.md Sessions; errors.proto ERROR_CODE_NOT_LOGGED_IN",
      async run(ctx) {
        const login = await ctx.loginRequest(ctx.user("alice"), "d");
        const peer = await ctx.connect("alice");
        for (const body of BEFORE_LOGIN) expectError(await ctx.request(peer, body), ErrorCode.ERROR_CODE_NOT_LOGGED_IN, `${body.$case} before login`);
        bodyOf(await ctx.request(peer, login), "loginResponse", "login after the refused requests");
      },
    },
    {
      id: "login.invalid-user-id",
      title: "A login with an empty or over-long user id or device id is answered 70402 and the connection stays open; ids of exactly max_user_id_bytes log in",
      rule: "session.proto LoginRequest.user_id, device_id; docs/engine.md Sessions; errors.proto ERROR_CODE_INVALID_PARAMETERS (login: stays open)",
      async run(ctx) {
        const max = ctx.limits.maxUserIdBytes;
        const tooLong = "x".repeat(max + 1);
        const longestUser = ctx.user("alice").padEnd(max, "x");
        const longestDevice = "d".repeat(max);
        const [emptyUser, longUser, longDevice, correct] = await Promise.all([
          ctx.loginRequest("", "d"),
          ctx.loginRequest(tooLong, "d"),
          ctx.loginRequest(longestUser, tooLong),
          ctx.loginRequest(longestUser, longestDevice),
        ]);
        const peer = await ctx.connect("alice");
        expectError(await ctx.request(peer, emptyUser), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "login with an empty user id");
        expectError(await ctx.request(peer, longUser), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `login with a user id of ${tooLong.length} bytes`);
        expectError(await ctx.request(peer, longDevice), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `login with a device id of ${tooLong.length} bytes`);
        const login = bodyOf(await ctx.request(peer, correct), "loginResponse", `a login with a user id and a device id of ${max} bytes on the same connection`);
        expectEqual(login.deviceId, longestDevice, "LoginResponse.device_id");
      },
    },
    {
      id: "login.already-logged-in",
      title: "A second login on a logged-in connection is answered 72109 and the connection stays open",
      rule: "docs/protocol.md §3.1; errors.proto ERROR_CODE_ALREADY_LOGGED_IN (login: stays open)",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const again = await ctx.loginRequest(userId, "other");
        expectError(await ctx.request(peer, again), ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN);
        await expectUsable(ctx, peer, "a refused second login");
      },
    },
    {
      id: "login.replaces-same-device",
      title: "A login with a connected device id replaces the old connection (72112, closed); the user stays ONLINE and the version moves by one",
      rule: "docs/protocol.md §3.1; docs/engine.md Sessions; errors.proto ERROR_CODE_REPLACED_BY_NEW_LOGIN",
      async run(ctx) {
        const first = await ctx.login(ctx.user("alice"), { deviceId: "phone" });
        const watcher = await ctx.loginWatching("bob", first.userId);
        const second = await ctx.login(first.userId, { deviceId: "phone" });
        await expectConnectionError(ctx, first.peer, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN);
        const self = second.login.selfStatus!;
        expectNextVersion(self, first.login.selfStatus!.version, StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, "self_status of the replacing login");
        expectEqual(self.statusType, UserStatusType.USER_STATUS_TYPE_ONLINE, "status type after the replacement");
        expectEqual(self.onlineDevices.map((d) => d.deviceId), ["phone"], "online devices after the replacement");
        const seen = await nextStatusOf(ctx, watcher.peer, first.userId);
        expectEqual(seen.version, self.version, "the subscriber's notification of the replacement: version");
        expectEqual(seen.statusType, UserStatusType.USER_STATUS_TYPE_ONLINE, "the subscriber never sees the user leave ONLINE");
        await expectUsable(ctx, second.peer, "the replacing login");
      },
    },
    {
      id: "logout.closes-and-unlogined",
      title: "Logout is answered, then the server closes (1000); the last device's logout makes the user UNLOGINED",
      rule: "docs/protocol.md §3.4; session.proto LogoutRequest",
      async run(ctx) {
        const alice = await ctx.login(ctx.user("alice"));
        const watcher = await ctx.login(ctx.user("bob"));
        bodyOf(await ctx.request(alice.peer, { $case: "logoutRequest", value: {} }), "logoutResponse");
        const closed = await alice.peer.closed(ctx.target.answerTimeoutMs);
        expectEqual(closed.code, 1000, "WebSocket close code after logout");
        const { statuses } = bodyOf(await ctx.request(watcher.peer, { $case: "getUserStatusRequest", value: { userIds: [alice.userId] } }), "getUserStatusResponse");
        expectEqual(statuses[0]?.statusType, UserStatusType.USER_STATUS_TYPE_UNLOGINED, "status after the last device logged out");
        expectNextVersion(statuses[0]!, alice.login.selfStatus!.version, StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT, "status after logout");
      },
    },
  ],
};

// The requests an application's calls turn into, a session the server lost, and
// the end of a session (docs/protocol.md §2.1, §3.4, §4, §6; operations.proto;
// session.proto LogoutRequest).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../../../generated/ts-proto/presence/v1/frame.js";
import { CheckFailure, check } from "../../errors.js";
import type { ClientCaseFamily } from "../case.js";
import type { ClientCaseContext } from "../context.js";
import type { DriverStatusesValue } from "../driver-protocol.js";
import type { ScriptedConnection } from "../scripted-server.js";

type Body = NonNullable<Frame["body"]>;
type BodyOf<K extends Body["$case"]> = Extract<Body, { $case: K }>;

/** The client's next request, which must be of `kind`. */
async function expectRequest<K extends Body["$case"]>(connection: ScriptedConnection, kind: K, timeoutMs: number): Promise<{ requestId: number; value: BodyOf<K>["value"] }> {
  const request = await connection.nextRequest(timeoutMs, kind);
  if (request.body?.$case !== kind) throw new CheckFailure(`${connection.label}: expected ${kind}, got ${request.body?.$case ?? "a frame without a body"}`);
  return { requestId: request.requestId, value: request.body.value as BodyOf<K>["value"] };
}

/** The client's next request must set `customStatus` (a failure says `what` followed by what it set); it is answered with that status at version 2. */
async function answerSetStatus(ctx: ClientCaseContext, connection: ScriptedConnection, customStatus: string, what: string): Promise<void> {
  const request = await expectRequest(connection, "setSelfStatusRequest", ctx.answerTimeoutMs);
  check(request.value.customStatus === customStatus, `${what} ${JSON.stringify(request.value.customStatus)}`);
  connection.send({ requestId: request.requestId, body: { $case: "setSelfStatusResponse", value: { status: ctx.status(ctx.userId, 2n, { customStatus }) } } });
}

export const requests: ClientCaseFamily = {
  name: "client-requests",
  cases: [
    {
      id: "client.requests-on-the-wire",
      title: "Setting a status, subscribing and unsubscribing everyone become the spec's requests, each answered by its own request id",
      rule: "operations.proto SetSelfStatusRequest, SubscribeUserStatusRequest, UnsubscribeUserStatusRequest (an empty list removes every subscription); docs/protocol.md §2.1",
      async run(ctx) {
        const connection = await ctx.login();
        const set = ctx.driver.send({ command: "setStatus", customStatus: "在开会" });
        await answerSetStatus(ctx, connection, "在开会", "the custom status sent is");
        check((await ctx.driver.result(set, ctx.answerTimeoutMs)).ok, "the setStatus command failed");

        const subscribe = ctx.driver.send({ command: "subscribe", userIds: ["conformance-bob"] });
        const subscribeRequest = await expectRequest(connection, "subscribeUserStatusRequest", ctx.answerTimeoutMs);
        const statuses = subscribeRequest.value.userIds.map((u) => ctx.status(u, 1n));
        connection.send({ requestId: subscribeRequest.requestId, body: { $case: "subscribeUserStatusResponse", value: { statuses, evictedUserIds: [], errors: [] } } });
        check((await ctx.driver.result(subscribe, ctx.answerTimeoutMs)).ok, "the subscribe command failed");

        const unsubscribe = ctx.driver.send({ command: "unsubscribe", userIds: [] });
        const unsubscribeRequest = await expectRequest(connection, "unsubscribeUserStatusRequest", ctx.answerTimeoutMs);
        check(unsubscribeRequest.value.userIds.length === 0, `unsubscribing everyone sent ${JSON.stringify(unsubscribeRequest.value.userIds)}, not an empty list`);
        connection.send({ requestId: unsubscribeRequest.requestId, body: { $case: "unsubscribeUserStatusResponse", value: { removedUserIds: ["conformance-bob"] } } });
        check((await ctx.driver.result(unsubscribe, ctx.answerTimeoutMs)).ok, "the unsubscribe command failed");
      },
    },
    {
      id: "client.correlates-answers-by-request-id",
      title: "Requests in flight carry distinct non-zero request ids, and answers in another order reach the right calls",
      rule: "frame.proto Frame.request_id (unique among the connection's requests in flight); docs/protocol.md §2.1 (responses MAY interleave with pushes)",
      async run(ctx) {
        const connection = await ctx.login();
        const users = ["conformance-bob", "conformance-carol", "conformance-dave"];
        const commands = users.map((user) => ({ user, id: ctx.driver.send({ command: "query", userIds: [user] }) }));
        const inFlight = [];
        for (const _ of users) inFlight.push(await expectRequest(connection, "getUserStatusRequest", ctx.answerTimeoutMs));
        const ids = inFlight.map((r) => r.requestId);
        check(new Set(ids).size === ids.length, `requests in flight share request ids: ${ids.join(", ")}`);
        // Answered last first, with a push in between: only the request id can match each answer to its call.
        ctx.notify(connection, [ctx.status("conformance-erin", 1n)]);
        for (const request of [...inFlight].reverse()) {
          connection.send({ requestId: request.requestId, body: { $case: "getUserStatusResponse", value: { statuses: request.value.userIds.map((u) => ctx.status(u, 4n, { customStatus: `answer for ${u}` })), errors: [] } } });
        }
        for (const { user, id } of commands) {
          const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
          if (!result.ok) throw new CheckFailure(`the query of ${user} failed: ${result.message}`);
          const statuses = (result.value as DriverStatusesValue | undefined)?.statuses ?? [];
          check(statuses.some((s) => s.customStatus === `answer for ${user}`), `the query of ${user} got another call's answer: ${JSON.stringify(result.value)}`);
        }
      },
    },
    {
      id: "client.logout-ends-the-session",
      title: "After a logout answered and the server's normal close (1000), the client does not reconnect",
      rule: "docs/protocol.md §3.4 (LogoutRequest is answered LogoutResponse; then the server closes the connection); session.proto LogoutRequest",
      async run(ctx) {
        const connection = await ctx.login();
        const id = ctx.driver.send({ command: "logout" });
        const logout = await expectRequest(connection, "logoutRequest", ctx.answerTimeoutMs);
        connection.send({ requestId: logout.requestId, body: { $case: "logoutResponse", value: {} } });
        connection.close(1000);
        check((await ctx.driver.result(id, ctx.answerTimeoutMs)).ok, "the logout command failed");
        await ctx.expectNoReconnect(1500, "the user logged out");
      },
    },
    {
      id: "client.logs-in-again-when-not-logged-in",
      title: "A request answered NOT_LOGGED_IN makes the client log in again on the same connection, then send the request again",
      rule: "errors.proto ERROR_CODE_NOT_LOGGED_IN (request: client action login-first); docs/protocol.md §6",
      async run(ctx) {
        const connection = await ctx.login();
        const id = ctx.driver.send({ command: "setStatus", customStatus: "again" });
        const first = await expectRequest(connection, "setSelfStatusRequest", ctx.answerTimeoutMs);
        connection.send({ requestId: first.requestId, body: { $case: "error", value: { code: ErrorCode.ERROR_CODE_NOT_LOGGED_IN, message: "the session is gone", retryAfterMs: 0 } } });
        const login = await expectRequest(connection, "loginRequest", ctx.answerTimeoutMs);
        connection.send({ requestId: login.requestId, body: { $case: "loginResponse", value: ctx.loginResponse({}) } });
        await answerSetStatus(ctx, connection, "again", "the request sent again carries");
        const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
        check(result.ok, `the setStatus command failed after the new login: ${JSON.stringify(result)}`);
      },
    },
  ],
};

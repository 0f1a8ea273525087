// What a client must tolerate and how it orders what it is told: unknown body
// kinds, enum values and fields from a newer server; stale versions; rate
// limits (frame.proto; status.proto UserStatus.version; errors.proto
// ERROR_CODE_FREQUENCY_LIMIT).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import type { StatusChangeReason, UserStatus, UserStatusType } from "../../../../generated/ts-proto/presence/v1/status.js";
import { encodeMessage } from "../../../codec/messages.js";
import { CheckFailure, check } from "../../errors.js";
import { hex, lengthDelimited, unknownBodyFrame, withUnknownField } from "../../wire-bytes.js";
import type { ClientCaseFamily } from "../case.js";
import type { ClientCaseContext } from "../context.js";
import type { ScriptedConnection } from "../scripted-server.js";

/** Frame field 4 (user_status_changed) holding a notification whose one status carries an unknown field. */
const NOTIFICATION_FIELD = 4;
const STATUSES_FIELD = 1;
/** A value no presence.v1 enum has (yet). */
const UNKNOWN_ENUM_VALUE = 99;
/** A code ErrorCode does not have (yet). */
const UNKNOWN_ERROR_CODE = 79_999;
const BLIND_RETRY_WATCH_MS = 1000;

/** Pushes a status of carol (with `changes`) and waits until the client delivers it: by then it has handled whatever came before. */
async function pushFence(ctx: ClientCaseContext, connection: ScriptedConnection, what: string, changes: Partial<UserStatus> = {}): Promise<void> {
  ctx.notify(connection, [ctx.status("conformance-carol", 1n, changes)]);
  await ctx.driver.status((s) => s.userId === "conformance-carol", ctx.answerTimeoutMs, what);
}

/** After frames it must ignore, the client must deliver the notification that follows (carol's, with `changes`), still be connected on `connection` and answer a query through it. */
async function expectStillWorking(ctx: ClientCaseContext, connection: ScriptedConnection, what: string, changes: Partial<UserStatus> = {}): Promise<void> {
  await pushFence(ctx, connection, what, changes);
  check(connection.closedAtMs === undefined && ctx.server.connections.length === 1, "the client dropped the connection over frames it must ignore");
  const id = ctx.driver.send({ command: "query", userIds: ["conformance-bob"] });
  const query = await connection.nextRequest(ctx.answerTimeoutMs, "query request");
  if (query.body?.$case !== "getUserStatusRequest") throw new CheckFailure(`expected a query, got ${query.body?.$case}`);
  connection.send({ requestId: query.requestId, body: { $case: "getUserStatusResponse", value: { statuses: [ctx.status("conformance-bob", 9n)], errors: [] } } });
  const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
  check(result.ok, `the query after the ignored frames failed: ${JSON.stringify(result)}`);
}

export const robustness: ClientCaseFamily = {
  name: "client-robustness",
  cases: [
    {
      id: "client.ignores-unknown-body-kinds",
      title: "A client ignores frames of unknown body kinds and frames without a body, and keeps the connection",
      rule: "frame.proto Frame (a client ignores any such frame; nobody closes the connection for it); docs/protocol.md §2.1",
      async run(ctx) {
        const connection = await ctx.login();
        for (const requestId of [0, 77]) {
          const bytes = unknownBodyFrame(requestId);
          connection.sendBytes(bytes, `a frame with request id ${requestId} and a body in unknown field 99: ${hex(bytes)}`);
        }
        connection.send({ requestId: 0, body: undefined });
        await expectStillWorking(ctx, connection, "delivery of the notification that followed the unknown frames", { customStatus: "after the unknown frames" });
      },
    },
    {
      id: "client.ignores-unknown-enums-and-fields",
      title: "A client survives unknown enum values and unknown fields in a notification",
      rule: "README.md Stability (unknown fields are kept; unknown enum values have defined handling); docs/protocol.md §8",
      async run(ctx) {
        const connection = await ctx.login();
        const status = encodeMessage("UserStatus", ctx.status("conformance-bob", 1n, { statusType: UNKNOWN_ENUM_VALUE as UserStatusType, reason: UNKNOWN_ENUM_VALUE as StatusChangeReason }));
        const bytes = lengthDelimited(NOTIFICATION_FIELD, lengthDelimited(STATUSES_FIELD, withUnknownField(status)));
        connection.sendBytes(bytes, `a notification of conformance-bob with status type 99, reason 99 and an unknown field 100: ${hex(bytes)}`);
        await expectStillWorking(ctx, connection, "delivery of the notification that followed");
      },
    },
    {
      id: "client.keeps-highest-version",
      title: "A client keeps the highest version per user and drops an older one that arrives late",
      rule: "status.proto UserStatus.version (a receiver keeps the highest version it has seen per user, ignores anything older); docs/engine.md Rule 11",
      async run(ctx) {
        const connection = await ctx.login();
        for (const [version, customStatus] of [[5n, "five"], [3n, "three (stale)"], [6n, "six"]] as const) {
          ctx.notify(connection, [ctx.status("conformance-bob", version, { customStatus })]);
        }
        await pushFence(ctx, connection, "delivery of the notification after bob's");
        const bob = ctx.driver.statuses().filter((s) => s.userId === "conformance-bob").map((s) => s.version);
        check(!bob.includes("3"), `the client delivered bob's version 3 after version 5 (delivered: ${bob.join(", ")})`);
        check(bob.at(-1) === "6", `the last version of bob delivered is ${bob.at(-1) ?? "none"}, not 6 (delivered: ${bob.join(", ")})`);
      },
    },
    {
      id: "client.new-epoch-replaces",
      title: "A status of another epoch replaces the one kept, whatever its version",
      rule: "status.proto UserStatus.epoch (a receiver compares versions only within one epoch)",
      async run(ctx) {
        const connection = await ctx.login();
        ctx.notify(connection, [ctx.status("conformance-bob", 5n, { epoch: 1n, customStatus: "old state" })]);
        ctx.notify(connection, [ctx.status("conformance-bob", 1n, { epoch: 2n, customStatus: "new state" })]);
        await pushFence(ctx, connection, "delivery of the notification after bob's");
        const bob = ctx.driver.statuses().filter((s) => s.userId === "conformance-bob").map((s) => s.customStatus);
        check(bob.at(-1) === "new state", `the last status of bob delivered is ${JSON.stringify(bob.at(-1))}, not the new epoch's version 1 (delivered: ${JSON.stringify(bob)})`);
      },
    },
    {
      id: "client.unknown-error-code-fails-request",
      title: "An Error with a code the client does not know fails the request it answers: no retry, no reconnect",
      rule: "docs/protocol.md §6 (a code a receiver does not know is a failure of the request it answers: never a blind retry)",
      async run(ctx) {
        const connection = await ctx.login();
        const id = ctx.driver.send({ command: "query", userIds: ["conformance-bob"] });
        const query = await connection.nextRequest(ctx.answerTimeoutMs, "query request");
        connection.send({ requestId: query.requestId, body: { $case: "error", value: { code: UNKNOWN_ERROR_CODE as ErrorCode, message: "a newer server's code", retryAfterMs: 0 } } });
        const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
        check(!result.ok && result.code === UNKNOWN_ERROR_CODE, `the query should fail with ${UNKNOWN_ERROR_CODE}, got ${JSON.stringify(result)}`);
        await ctx.sleep(BLIND_RETRY_WATCH_MS, "watching for a blind retry");
        const retried = connection.received.some((r) => r.frame.requestId !== query.requestId && r.frame.body?.$case === "getUserStatusRequest");
        check(!retried, "the client sent the failed query again");
        check(connection.closedAtMs === undefined && ctx.server.connections.length === 1, "the client dropped the connection over an unknown error code");
      },
    },
    {
      id: "client.honours-retry-after",
      title: "A rate-limited request is sent again no sooner than retry_after_ms",
      rule: "errors.proto ERROR_CODE_FREQUENCY_LIMIT (request: client retry-after); docs/protocol.md §4 Rate limits",
      async run(ctx) {
        const retryAfterMs = 800;
        const connection = await ctx.login();
        const id = ctx.driver.send({ command: "query", userIds: ["conformance-bob", "conformance-carol"] });
        const first = await connection.nextRequest(ctx.answerTimeoutMs, "query request");
        if (first.body?.$case !== "getUserStatusRequest") throw new CheckFailure(`expected a query, got ${first.body?.$case}`);
        connection.send({ requestId: first.requestId, body: { $case: "error", value: { code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, message: "slow down", retryAfterMs } } });
        const refusedAt = ctx.log.elapsedMs();
        const again = await connection.nextRequest(retryAfterMs + ctx.answerTimeoutMs, "retry of the rate-limited query");
        const retriedAfter = connection.received.find((r) => r.frame === again)!.atMs - refusedAt;
        if (again.body?.$case !== "getUserStatusRequest") throw new CheckFailure(`expected the query again, got ${again.body?.$case}`);
        check(JSON.stringify(again.body.value.userIds) === JSON.stringify(first.body.value.userIds), "the retry is not the same request");
        check(retriedAfter >= retryAfterMs - 20, `the client retried ${retriedAfter} ms after the refusal, before retry_after_ms ${retryAfterMs}`);
        connection.send({ requestId: again.requestId, body: { $case: "getUserStatusResponse", value: { statuses: [ctx.status("conformance-bob", 1n), ctx.status("conformance-carol", 1n)], errors: [] } } });
        const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
        check(result.ok, `the rate-limited query did not succeed after its retry: ${JSON.stringify(result)}`);
      },
    },
  ],
};

// Checks that need the wire: a connection error and its close, a connection
// that must still be usable, the next notification about a user, changes
// notified once each.
import type { ErrorCode } from "../../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, type UserStatus } from "../../../generated/ts-proto/presence/v1/status.js";
import { CheckFailure } from "../errors.js";
import type { CaseContext } from "./context.js";
import { bodyOf, codeName, declaredCloseCode, expectEqual, expectError, statusIn } from "./expect.js";
import type { WirePeer } from "./peer.js";

/**
 * The server must send Error `code` with request id 0 and close the
 * connection with the WebSocket code errors.proto declares for it. With
 * `bestEffort` (a heartbeat timeout, which the spec sends on a best-effort basis) the
 * Error may be missing, never wrong.
 */
export async function expectConnectionError(ctx: CaseContext, peer: WirePeer, code: ErrorCode, options: { timeoutMs?: number; bestEffort?: boolean } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? ctx.target.answerTimeoutMs;
  const closed = await peer.closed(timeoutMs);
  const errors = peer.received.filter((f) => f.requestId === 0 && f.body?.$case === "error");
  if (errors.length === 0 && !options.bestEffort) throw new CheckFailure(`${peer.label}: closed with ${closed.code} without sending Error ${codeName(code)} (request id 0) first`);
  for (const frame of errors) expectError(frame, code, `${peer.label}: the connection error`);
  const closeCode = declaredCloseCode(code, "connection");
  if (closeCode !== undefined) expectEqual(closed.code, closeCode, `${peer.label}: WebSocket close code after ${codeName(code)} (errors.proto, error_handling)`);
}

/** The connection must be open and answering: a ping gets its pong. */
export async function expectUsable(ctx: CaseContext, peer: WirePeer, what: string): Promise<void> {
  if (!peer.isOpen) throw new CheckFailure(`${peer.label}: ${what}, but the connection is closed (${peer.closeInfo?.code ?? "no close code"})`);
  const answer = await ctx.request(peer, { $case: "ping", value: { clientTimeMs: BigInt(Date.now()) } });
  bodyOf(answer, "pong", `${peer.label}: ping after ${what}`);
}

/** The next push on `peer` must be a notification holding `userId`; returns that user's status. */
export async function nextStatusOf(ctx: CaseContext, peer: WirePeer, userId: string, timeoutMs = ctx.target.answerTimeoutMs): Promise<UserStatus> {
  const push = await peer.nextPush(timeoutMs, `notification about ${userId}`);
  const { statuses } = bodyOf(push, "userStatusChanged", `${peer.label}: the next push`);
  const ids = statuses.map((s) => s.userId);
  expectEqual(new Set(ids).size, ids.length, `${peer.label}: users in one notification appear at most once (operations.proto)`);
  return statusIn(statuses, userId, `${peer.label}: the next notification`);
}

/** Two custom status changes on `changer` must each reach `watcher` once, in order. */
export async function expectEachChangeOnce(ctx: CaseContext, changer: WirePeer, watcher: WirePeer, userId: string): Promise<void> {
  const first = bodyOf(await ctx.request(changer, { $case: "setSelfStatusRequest", value: { customStatus: "one" } }), "setSelfStatusResponse").status!;
  const second = bodyOf(await ctx.request(changer, { $case: "setSelfStatusRequest", value: { customStatus: "two" } }), "setSelfStatusResponse").status!;
  expectEqual((await nextStatusOf(ctx, watcher, userId)).version, first.version, "the first notification's version");
  expectEqual((await nextStatusOf(ctx, watcher, userId)).version, second.version, "the second notification's version (a duplicate would repeat the first)");
}

/** `status` must be exactly one version after `previous`, with `reason`. */
export function expectNextVersion(status: UserStatus, previous: bigint, reason: StatusChangeReason, what: string): void {
  expectEqual(status.version, previous + 1n, `${what}: version (+1 per visible change, status.proto)`);
  expectEqual(StatusChangeReason[status.reason] ?? status.reason, StatusChangeReason[reason], `${what}: reason`);
}

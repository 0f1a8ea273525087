// fast-check arbitraries for every message of presence.v1, in the ts-proto
// shapes the library encodes: strings with lone surrogates, CJK, emoji and
// long runs; 64-bit extremes; enum numbers this version does not define.
import fc from "fast-check";
import type { Error as ErrorMessage, UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { Limits } from "../../generated/ts-proto/presence/v1/session.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const cjk = fc.integer({ min: 0x4e00, max: 0x9fff }).map((code) => String.fromCodePoint(code));
const emoji = fc.integer({ min: 0x1f300, max: 0x1faff }).map((code) => String.fromCodePoint(code));
const textPiece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: cjk },
  { weight: 2, arbitrary: emoji },
);

/** Any JS string the API may be given, including ill-formed UTF-16 and strings of 128+ UTF-8 bytes. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(textPiece, { maxLength: 8 }).map((pieces) => pieces.join("")) },
  { weight: 1, arbitrary: fc.constant("") },
  // Long: 43+ CJK characters are 129+ bytes, so the length prefix takes two bytes.
  { weight: 1, arbitrary: fc.array(fc.oneof(cjk, emoji, loneSurrogate), { minLength: 43, maxLength: 120 }).map((a) => a.join("")) },
  { weight: 1, arbitrary: fc.string({ minLength: 128, maxLength: 300 }) },
);

export const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 0xffffffff), fc.nat({ max: 0xffffffff }));
export const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 53n + 1n, UINT64_MAX), fc.bigInt({ min: 0n, max: UINT64_MAX }));
export const int64 = fc.oneof(fc.constantFrom(0n, -1n, INT64_MIN, INT64_MAX, -(2n ** 53n) - 1n), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }));

/** An open enum: a defined value, or a number from a newer (or odd) peer. */
function openEnum(defined: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...defined) }, { weight: 1, arbitrary: fc.constantFrom(7, 99, 12345, -2, 2147483647, -2147483648) });
}
const userStatusType = openEnum([0, 1, 2, 3]);
const statusChangeReason = openEnum([0, 1, 2, 3, 4, 5, 6]);
const platform = openEnum([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const errorCode = openEnum([0, -20009, 70107, 70206, 70402, 70500, 72001, 72101, 72102, 72103, 72104, 72105, 72106, 72107, 72108, 72109, 72110, 72111, 72112, 72113]);

export const device: fc.Arbitrary<Device> = fc.record({ deviceId: anyText, platform });

export const userStatus: fc.Arbitrary<UserStatus> = fc.record({
  userId: anyText,
  statusType: userStatusType,
  customStatus: anyText,
  onlineDevices: fc.array(device, { maxLength: 3 }),
  version: uint64,
  changedAtMs: int64,
  reason: statusChangeReason,
});

export const userError: fc.Arbitrary<UserError> = fc.record({ userId: anyText, code: errorCode, message: anyText });
export const errorMessage: fc.Arbitrary<ErrorMessage> = fc.record({ code: errorCode, message: anyText, retryAfterMs: uint32 });

const limits: fc.Arbitrary<Limits> = fc.record({
  maxQueryUsers: uint32,
  maxSubscribeUsersPerCall: uint32,
  maxUnsubscribeUsersPerCall: uint32,
  maxSubscriptions: uint32,
  rateLimitRequests: uint32,
  rateLimitWindowMs: uint32,
  maxCustomStatusBytes: uint32,
  maxUserIdBytes: uint32,
  heartbeatIntervalMs: uint32,
  heartbeatTimeoutMs: uint32,
  maxFrameBytes: uint32,
  loginTimeoutMs: uint32,
  subscriptionRetentionMs: uint32,
});

const ids = fc.array(anyText, { maxLength: 6 });
const statuses = fc.array(userStatus, { maxLength: 4 });
const errors = fc.array(userError, { maxLength: 3 });

/** Every body kind of Frame (and no body). */
export const frameBody: fc.Arbitrary<Frame["body"]> = fc.oneof(
  fc.constant(undefined),
  fc.record({ clientTimeMs: int64 }).map((value) => ({ $case: "ping" as const, value })),
  fc.record({ clientTimeMs: int64, serverTimeMs: int64 }).map((value) => ({ $case: "pong" as const, value })),
  fc.record({ statuses }).map((value) => ({ $case: "userStatusChanged" as const, value })),
  fc.record({ userIds: ids }).map((value) => ({ $case: "getUserStatusRequest" as const, value })),
  fc.record({ statuses, errors }).map((value) => ({ $case: "getUserStatusResponse" as const, value })),
  errorMessage.map((value) => ({ $case: "error" as const, value })),
  fc
    .record({ userId: anyText, token: anyText, platform, deviceId: anyText, clientVersion: anyText })
    .map((value) => ({ $case: "loginRequest" as const, value })),
  fc
    .record({ limits: fc.option(limits, { nil: undefined }), serverTimeMs: int64, selfStatus: fc.option(userStatus, { nil: undefined }), deviceId: anyText })
    .map((value) => ({ $case: "loginResponse" as const, value })),
  fc.constant({ $case: "logoutRequest" as const, value: {} }),
  fc.constant({ $case: "logoutResponse" as const, value: {} }),
  fc.record({ customStatus: anyText }).map((value) => ({ $case: "setSelfStatusRequest" as const, value })),
  fc.record({ status: fc.option(userStatus, { nil: undefined }) }).map((value) => ({ $case: "setSelfStatusResponse" as const, value })),
  fc.record({ userIds: ids }).map((value) => ({ $case: "subscribeUserStatusRequest" as const, value })),
  fc.record({ statuses, evictedUserIds: ids, errors }).map((value) => ({ $case: "subscribeUserStatusResponse" as const, value })),
  fc.record({ userIds: ids }).map((value) => ({ $case: "unsubscribeUserStatusRequest" as const, value })),
  fc.record({ removedUserIds: ids }).map((value) => ({ $case: "unsubscribeUserStatusResponse" as const, value })),
);

/** A Frame as an application builds it; `fromPartial` fills in what ts-proto's decoder fills in. */
export const frame: fc.Arbitrary<Frame> = fc.record({ requestId: uint32, body: frameBody }).map((f) => Frame.fromPartial(f));

/** What a frame decodes to after encoding: lone surrogates became U+FFFD (every conformant encoder does that). */
export function wellFormed<T>(value: T): T {
  if (typeof value === "string") return value.toWellFormed() as T;
  if (Array.isArray(value)) return value.map((item: unknown) => wellFormed(item)) as T;
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, wellFormed(inner)])) as T;
  }
  return value;
}

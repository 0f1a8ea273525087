// fast-check arbitraries for the messages of presence.v1, in the ts-proto
// shapes the library encodes, biased towards the edges every codec must get
// right: strings with lone surrogates, CJK, emoji and 128+ UTF-8 bytes; 64-bit
// extremes; enum numbers this version does not define.
//
// Two families: `frame` is what an application builds (every body kind, no
// unknown fields: the JSON and reflection codecs drop those). The status
// messages exported on their own are what a decoder hands over from a newer
// peer, unknown fields included, which the fast path must splice intact.
import fc from "fast-check";
import { ErrorCode, type Error as ErrorMessage, type UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { GetUserStatusResponse, UserStatusChangedNotification } from "../../generated/ts-proto/presence/v1/operations.js";
import type { Limits } from "../../generated/ts-proto/presence/v1/session.js";
import { Platform, StatusChangeReason, UserStatusType, type Device, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

// ---------------------------------------------------------------------------
// Scalars.

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const cjk = fc.integer({ min: 0x4e00, max: 0x9fff }).map((code) => String.fromCodePoint(code));
const emoji = fc.integer({ min: 0x1f300, max: 0x1faff }).map((code) => String.fromCodePoint(code));
const awkwardUnit = fc.constantFrom("a", "é", "ß", "中", "文", "😀", "🎉", "\uD83D", "\uDE00", "\uFFFD", "\uFEFF", "\u0000", "\u07FF", "\u0800");
const textPiece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: cjk },
  { weight: 2, arbitrary: emoji },
  { weight: 2, arbitrary: awkwardUnit },
);

/** Any JS string the API may be given, including ill-formed UTF-16 and strings of 128+ UTF-8 bytes. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(textPiece, { maxLength: 8 }).map((pieces) => pieces.join("")) },
  { weight: 1, arbitrary: fc.constant("") },
  // Raw UTF-16, so lone and reversed surrogates appear anywhere.
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map((units) => String.fromCharCode(...units)) },
  // Long: 43+ characters of 3+ bytes are 129+ bytes, so the length prefix takes two bytes.
  { weight: 1, arbitrary: fc.array(fc.oneof(cjk, emoji, loneSurrogate, awkwardUnit), { minLength: 43, maxLength: 200 }).map((a) => a.join("")) },
  { weight: 1, arbitrary: fc.string({ minLength: 128, maxLength: 300 }) },
);

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 0xffffffff), fc.nat({ max: 0xffffffff }));
const uint64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, UINT64_MAX),
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
  fc.bigInt({ min: 0n, max: 2n ** 35n }),
);
const int64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, INT64_MIN, INT64_MAX, -(2n ** 53n) - 1n, -(2n ** 31n), 1_750_000_000_000n),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  // Timestamps in Unix ms, as the server writes them.
  fc.bigInt({ min: 1_700_000_000_000n, max: 1_800_000_000_000n }),
);

/** An open enum: a defined value, or a number from a newer (or odd) peer, kept as a number by the generated decoder. */
function openEnum(values: Record<string, string | number>): fc.Arbitrary<number> {
  const defined = Object.values(values).filter((value): value is number => typeof value === "number" && value !== -1);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...defined) },
    { weight: 1, arbitrary: fc.constantFrom(-1, -2, 7, 99, 127, 128, 1000, 12345, INT32_MIN, INT32_MAX) },
    { weight: 1, arbitrary: fc.integer({ min: INT32_MIN, max: INT32_MAX }) },
  );
}
const userStatusType = openEnum(UserStatusType);
const statusChangeReason = openEnum(StatusChangeReason);
const platform = openEnum(Platform);
const errorCode = openEnum(ErrorCode);

// ---------------------------------------------------------------------------
// Unknown fields, as the generated decoder keeps them.

type UnknownFields = { [key: number]: Uint8Array[] } | undefined;

function varintBytes(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** The bytes after the tag of a well-formed value of `wireType`. */
function unknownValue(fieldNumber: number, wireType: number): fc.Arbitrary<Uint8Array> {
  switch (wireType) {
    case 0:
      return uint64.map((v) => Uint8Array.from(varintBytes(v)));
    case 1:
      return fc.uint8Array({ minLength: 8, maxLength: 8 });
    case 5:
      return fc.uint8Array({ minLength: 4, maxLength: 4 });
    case 3:
      // A group holding one varint field, closed by its end tag.
      return fc
        .tuple(fc.integer({ min: 1, max: 100 }), uint64)
        .map(([inner, v]) =>
          Uint8Array.from([...varintBytes(BigInt(inner << 3)), ...varintBytes(v), ...varintBytes(BigInt(((fieldNumber << 3) | 4) >>> 0))]),
        );
    default:
      return fc.uint8Array({ maxLength: 40 }).map((bytes) => Uint8Array.from([...varintBytes(BigInt(bytes.length)), ...bytes]));
  }
}

/**
 * `_unknownFields` as the generated decoder builds them: keys are tags, never
 * one of `knownTags` (a known field number with another wire type is unknown).
 */
function unknownFields(knownTags: number[]): fc.Arbitrary<UnknownFields> {
  const field = fc
    .tuple(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 29 - 1 })), fc.constantFrom(0, 1, 2, 3, 5))
    .filter(([fieldNumber, wireType]) => !knownTags.includes(((fieldNumber << 3) | wireType) >>> 0))
    .chain(([fieldNumber, wireType]) =>
      fc.tuple(fc.constant(((fieldNumber << 3) | wireType) >>> 0), fc.array(unknownValue(fieldNumber, wireType), { minLength: 1, maxLength: 2 })),
    );
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.array(field, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)) },
  );
}

// ---------------------------------------------------------------------------
// The status messages, in the two families.

/** Adds (or not) the unknown fields of a message whose own fields have `knownTags`. */
type Extension = <T extends object>(message: fc.Arbitrary<T>, knownTags: number[]) => fc.Arbitrary<T>;
const asBuilt: Extension = (message) => message;
const fromNewerPeer: Extension = (message, knownTags) =>
  fc.tuple(message, unknownFields(knownTags)).map(([value, _unknownFields]) => ({ ...value, _unknownFields }));

function statusMessages(extend: Extension) {
  const device: fc.Arbitrary<Device> = extend(fc.record({ deviceId: anyText, platform }), [0x0a, 0x10]);
  const userStatus: fc.Arbitrary<UserStatus> = extend(
    fc.record({
      userId: anyText,
      statusType: userStatusType,
      customStatus: anyText,
      onlineDevices: fc.array(device, { maxLength: 3 }),
      version: uint64,
      changedAtMs: int64,
      reason: statusChangeReason,
      epoch: fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: uint64 }),
    }),
    [0x0a, 0x10, 0x1a, 0x22, 0x28, 0x30, 0x38, 0x40],
  );
  const userError: fc.Arbitrary<UserError> = extend(fc.record({ userId: anyText, code: errorCode, message: anyText }), [0x0a, 0x10, 0x1a]);
  const statuses = fc.array(userStatus, { maxLength: 8 });
  const errors = fc.array(userError, { maxLength: 3 });
  const getUserStatusResponse: fc.Arbitrary<GetUserStatusResponse> = extend(fc.record({ statuses, errors }), [0x0a, 0x12]);
  const userStatusChanged: fc.Arbitrary<UserStatusChangedNotification> = extend(fc.record({ statuses }), [0x0a]);
  return { userStatus, userError, statuses, errors, getUserStatusResponse, userStatusChanged };
}

const built = statusMessages(asBuilt);
const received = statusMessages(fromNewerPeer);

/** A status as decoded from a newer peer: it may carry unknown fields, as may its devices. */
export const userStatus = received.userStatus;
export const userError = received.userError;
export const getUserStatusResponse = received.getUserStatusResponse;
export const userStatusChanged = received.userStatusChanged;

/** The oneof tags of Frame.body (fields 2-17, length-delimited) are known, not unknown. */
const FRAME_KNOWN_TAGS = [0x08, ...Array.from({ length: 16 }, (_, i) => ((i + 2) << 3) | 2)];

/** A Frame carrying one of the two bodies the fast path encodes. */
type StatusFrame = Frame & {
  body: { $case: "getUserStatusResponse"; value: GetUserStatusResponse } | { $case: "userStatusChanged"; value: UserStatusChangedNotification };
};

/** The two frames the fast path encodes, from a newer peer. */
export const statusFrame: fc.Arbitrary<StatusFrame> = fromNewerPeer(
  fc.record({
    requestId: uint32,
    body: fc.oneof(
      getUserStatusResponse.map((value) => ({ $case: "getUserStatusResponse" as const, value })),
      userStatusChanged.map((value) => ({ $case: "userStatusChanged" as const, value })),
    ),
  }),
  FRAME_KNOWN_TAGS,
);

// ---------------------------------------------------------------------------
// Every Frame, as an application builds it.

const errorMessage: fc.Arbitrary<ErrorMessage> = fc.record({ code: errorCode, message: anyText, retryAfterMs: uint32 });

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
const { statuses, errors } = built;

/** Every body kind of Frame (and no body). */
const frameBody: fc.Arbitrary<Frame["body"]> = fc.oneof(
  fc.constant(undefined),
  fc.record({ clientTimeMs: int64 }).map((value) => ({ $case: "ping" as const, value })),
  fc.record({ clientTimeMs: int64, serverTimeMs: int64 }).map((value) => ({ $case: "pong" as const, value })),
  built.userStatusChanged.map((value) => ({ $case: "userStatusChanged" as const, value })),
  fc.record({ userIds: ids }).map((value) => ({ $case: "getUserStatusRequest" as const, value })),
  built.getUserStatusResponse.map((value) => ({ $case: "getUserStatusResponse" as const, value })),
  errorMessage.map((value) => ({ $case: "error" as const, value })),
  fc
    .record({ userId: anyText, token: anyText, platform, deviceId: anyText, clientVersion: anyText })
    .map((value) => ({ $case: "loginRequest" as const, value })),
  fc
    .record({ limits: fc.option(limits, { nil: undefined }), serverTimeMs: int64, selfStatus: fc.option(built.userStatus, { nil: undefined }), deviceId: anyText, friendStatuses: statuses })
    .map((value) => ({ $case: "loginResponse" as const, value })),
  fc.constant({ $case: "logoutRequest" as const, value: {} }),
  fc.constant({ $case: "logoutResponse" as const, value: {} }),
  fc.record({ customStatus: anyText }).map((value) => ({ $case: "setSelfStatusRequest" as const, value })),
  fc.record({ status: fc.option(built.userStatus, { nil: undefined }) }).map((value) => ({ $case: "setSelfStatusResponse" as const, value })),
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

// fast-check arbitraries for the presence messages, biased towards the edges
// the fast codecs must get right: strings (lone surrogates, CJK, emoji,
// >= 128 bytes), 64-bit extremes, unknown enum numbers, unknown fields.
import fc from "fast-check";
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { StatusFrame } from "../../src/fast/batch-encoder.js";
import type {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

type UnknownFields = { [key: number]: Uint8Array[] } | undefined;

const awkwardUnits = ["a", "é", "ß", "中", "文", "😀", "🎉", "\uD83D", "\uDE00", "\uFFFD", "\uFEFF", "\u0000", "\u07FF", "\u0800"];

export const edgeString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  // Raw UTF-16, so lone and reversed surrogates appear.
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map((units) => String.fromCharCode(...units)),
  fc.array(fc.constantFrom(...awkwardUnits), { maxLength: 30 }).map((parts) => parts.join("")),
  // 128 bytes and more: multi-byte length prefixes, entries past 128 bytes.
  fc.array(fc.constantFrom(...awkwardUnits), { minLength: 43, maxLength: 200 }).map((parts) => parts.join("")),
  fc.string({ minLength: 128, maxLength: 300 }),
);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Known enum numbers, and unknown ones (kept as numbers by the generated decoder). */
export const enumNumber = (known: number[]): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(...known),
    fc.integer({ min: INT32_MIN, max: INT32_MAX }),
    fc.constantFrom(-1, INT32_MIN, INT32_MAX, 127, 128, 1000),
  );

export const uint64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: 2n ** 35n }),
);

export const int64: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, 1_750_000_000_000n, -(2n ** 31n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: 1_700_000_000_000n, max: 1_800_000_000_000n }),
);

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
const unknownValue = (fieldNumber: number, wireType: number): fc.Arbitrary<Uint8Array> => {
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
      return fc
        .uint8Array({ maxLength: 40 })
        .map((bytes) => Uint8Array.from([...varintBytes(BigInt(bytes.length)), ...bytes]));
  }
};

/**
 * `_unknownFields` as the generated decoder builds them: keys are tags, never
 * one of `knownTags` (a known field number with another wire type is unknown).
 */
export const unknownFields = (knownTags: number[]): fc.Arbitrary<UnknownFields> => {
  const field = fc
    .tuple(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 29 - 1 })), fc.constantFrom(0, 1, 2, 3, 5))
    .filter(([fieldNumber, wireType]) => !knownTags.includes(((fieldNumber << 3) | wireType) >>> 0))
    .chain(([fieldNumber, wireType]) =>
      fc.tuple(
        fc.constant(((fieldNumber << 3) | wireType) >>> 0),
        fc.array(unknownValue(fieldNumber, wireType), { minLength: 1, maxLength: 2 }),
      ),
    );
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.array(field, { minLength: 1, maxLength: 3 }).map((entries) => Object.fromEntries(entries)) },
  );
};

export const device: fc.Arbitrary<Device> = fc.record({
  deviceId: edgeString,
  platform: enumNumber([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  _unknownFields: unknownFields([0x0a, 0x10]),
});

export const userStatus: fc.Arbitrary<UserStatus> = fc.record({
  userId: edgeString,
  statusType: enumNumber([0, 1, 2, 3]),
  customStatus: edgeString,
  onlineDevices: fc.array(device, { maxLength: 3 }),
  version: uint64,
  changedAtMs: int64,
  reason: enumNumber([0, 1, 2, 3, 4, 5, 6]),
  _unknownFields: unknownFields([0x0a, 0x10, 0x1a, 0x22, 0x28, 0x30, 0x38]),
});

export const userError: fc.Arbitrary<UserError> = fc.record({
  userId: edgeString,
  code: enumNumber([0, -20009, 70107, 70206, 70402, 70500]),
  message: edgeString,
  _unknownFields: unknownFields([0x0a, 0x10, 0x1a]),
});

export const getUserStatusResponse: fc.Arbitrary<GetUserStatusResponse> = fc.record({
  statuses: fc.array(userStatus, { maxLength: 8 }),
  errors: fc.array(userError, { maxLength: 3 }),
  _unknownFields: unknownFields([0x0a, 0x12]),
});

export const userStatusChanged: fc.Arbitrary<UserStatusChangedNotification> = fc.record({
  statuses: fc.array(userStatus, { maxLength: 8 }),
  _unknownFields: unknownFields([0x0a]),
});

const requestId = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));

/** The oneof tags of Frame.body (fields 2-17, length-delimited) are known, not unknown. */
const frameKnownTags = [0x08, ...Array.from({ length: 16 }, (_, i) => ((i + 2) << 3) | 2)];

export const statusFrame: fc.Arbitrary<StatusFrame> = fc.record({
  requestId,
  body: fc.oneof(
    getUserStatusResponse.map((value) => ({ $case: "getUserStatusResponse" as const, value })),
    userStatusChanged.map((value) => ({ $case: "userStatusChanged" as const, value })),
  ),
  _unknownFields: unknownFields(frameKnownTags),
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Platform, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../../src/codec/errors.js";
import {
  encodeGetUserStatusResponse,
  encodeStatusFrame,
  encodeUserStatusChanged,
  StatusBatchEncoder,
  type StatusFrame,
} from "../../src/fast/batch-encoder.js";
import { getUserStatusResponse, statusFrame, userStatusChanged } from "../support/arbitraries.js";

const RUNS = { numRuns: 400 };

function status(overrides: Partial<UserStatus> = {}): UserStatus {
  return {
    userId: "u1",
    statusType: 1,
    customStatus: "",
    onlineDevices: [],
    version: 1n,
    changedAtMs: 1_750_000_000_000n,
    reason: 1,
    _unknownFields: {},
    ...overrides,
  };
}

describe("single-pass encoder is byte-identical to ts-proto", () => {
  it("GetUserStatusResponse (owned copy, view, and write into a tiny growing buffer)", () => {
    fc.assert(
      fc.property(getUserStatusResponse, (response) => {
        const expected = GetUserStatusResponse.encode(response).finish();
        expect(encodeGetUserStatusResponse(response)).toEqual(expected);
        const growing = new StatusBatchEncoder(1);
        expect(growing.encodeGetUserStatusResponseView(response)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("UserStatusChangedNotification", () => {
    fc.assert(
      fc.property(userStatusChanged, (notification) => {
        const expected = UserStatusChangedNotification.encode(notification).finish();
        expect(encodeUserStatusChanged(notification)).toEqual(expected);
        expect(new StatusBatchEncoder(1).encodeUserStatusChangedView(notification)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("Frame carrying either batch", () => {
    fc.assert(
      fc.property(statusFrame, (frame) => {
        const expected = Frame.encode(frame).finish();
        expect(encodeStatusFrame(frame)).toEqual(expected);
        expect(new StatusBatchEncoder(1).encodeFrameView(frame)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("500 statuses: body length guesses too wide (tiny entries) and too narrow (one huge entry)", () => {
    const tiny: GetUserStatusResponse = { statuses: Array.from({ length: 500 }, () => status({ userId: "", version: 0n, changedAtMs: 0n })), errors: [], _unknownFields: {} };
    const huge: GetUserStatusResponse = { statuses: [status({ customStatus: "中".repeat(3000) })], errors: [], _unknownFields: {} };
    const full: GetUserStatusResponse = {
      statuses: Array.from({ length: 500 }, (_, i) => status({ userId: `user_${i}`, customStatus: i % 2 ? "在开会🎉" : "", version: BigInt(i) })),
      errors: [{ userId: "gone", code: 70107, message: "account not found", _unknownFields: {} }],
      _unknownFields: {},
    };
    const encoder = new StatusBatchEncoder(16);
    for (const response of [tiny, huge, full]) {
      for (const requestId of [0, 7, 2 ** 32 - 1]) {
        const frame: StatusFrame = { requestId, body: { $case: "getUserStatusResponse", value: response }, _unknownFields: {} };
        expect(encoder.encodeFrameView(frame)).toEqual(Frame.encode(frame).finish());
        const push: StatusFrame = { requestId, body: { $case: "userStatusChanged", value: { statuses: response.statuses } }, _unknownFields: {} };
        expect(encoder.encodeFrameView(push)).toEqual(Frame.encode(push).finish());
      }
    }
  });

  it("unknown fields early in an entry do not eat the room reserved for the fields after them", () => {
    const bulky = { 1234: [new Uint8Array(300).fill(0x80).fill(1, 299)] };
    const notification: UserStatusChangedNotification = {
      statuses: [
        status({
          onlineDevices: [
            { deviceId: "d1", platform: -1, _unknownFields: bulky },
            { deviceId: "中".repeat(60), platform: -1, _unknownFields: {} },
          ],
          version: 2n ** 64n - 1n,
          changedAtMs: -1n,
          reason: -1,
          _unknownFields: bulky,
        }),
      ],
    };
    expect(new StatusBatchEncoder(1).encodeUserStatusChangedView(notification)).toEqual(UserStatusChangedNotification.encode(notification).finish());
  });

  it("writes lone surrogates as U+FFFD, so the output is valid UTF-8", () => {
    const bytes = encodeUserStatusChanged({ statuses: [status({ userId: "a\uD83Db", customStatus: "\uDE00" })] });
    expect(Buffer.from(bytes).includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(true);
    // The userId field: tag, length 5, "a", EF BF BD, "b".
    expect(Array.from(bytes.subarray(2, 9))).toEqual([0x0a, 5, 0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(4, 9))).not.toThrow();
  });
});

describe("buffer ownership", () => {
  it("a view is overwritten by the next call on its encoder; an owned copy is not", () => {
    const encoder = new StatusBatchEncoder();
    const first: UserStatusChangedNotification = { statuses: [status({ userId: "first" })] };
    const second: UserStatusChangedNotification = { statuses: [status({ userId: "other" })] };
    const view = encoder.encodeUserStatusChangedView(first);
    const copy = view.slice();
    const owned = encodeUserStatusChanged(first);
    encoder.encodeUserStatusChangedView(second);
    encodeUserStatusChanged(second);
    expect(view).not.toEqual(copy);
    expect(owned).toEqual(copy);
  });

  it("write* returns the length of the bytes at the start of `buffer`", () => {
    const encoder = new StatusBatchEncoder(1);
    const response: GetUserStatusResponse = { statuses: [status()], errors: [], _unknownFields: {} };
    const length = encoder.writeGetUserStatusResponse(response);
    expect(encoder.buffer.subarray(0, length)).toEqual(GetUserStatusResponse.encode(response).finish());
  });
});

describe("values out of range are rejected with EncodeError, as ts-proto rejects them", () => {
  const cases: [string, UserStatus][] = [
    ["negative uint64 version", status({ version: -1n })],
    ["uint64 version above 2^64 - 1", status({ version: 2n ** 64n })],
    ["int64 changedAtMs above 2^63 - 1", status({ changedAtMs: 2n ** 63n })],
    ["int64 changedAtMs below -2^63", status({ changedAtMs: -(2n ** 63n) - 1n })],
    ["fractional statusType", status({ statusType: 1.5 as UserStatus["statusType"] })],
    ["reason above int32", status({ reason: 2 ** 31 })],
    ["version as a number", status({ version: 5 as unknown as bigint })],
    ["onlineDevices not an array", status({ onlineDevices: undefined as unknown as [] })],
    ["NaN reason", status({ reason: NaN })],
    ["fractional platform", status({ onlineDevices: [{ deviceId: "d", platform: 2.5 as Platform, _unknownFields: {} }] })],
    ["bigint statusType", status({ statusType: 1n as unknown as UserStatus["statusType"] })],
    ["symbol reason", status({ reason: Symbol("r") as unknown as number })],
  ];
  it.each(cases)("%s", (_, bad) => {
    const notification = { statuses: [bad] };
    expect(() => UserStatusChangedNotification.encode(notification).finish()).toThrow();
    // The typed error, not a TypeError from the arithmetic on the value.
    expect(() => encodeUserStatusChanged(notification)).toThrow(EncodeError);
  });

  it("an enum given as a numeric string (ts-proto coerces it; the fast path does not guess)", () => {
    const bad = status({ statusType: "1" as unknown as UserStatus["statusType"] });
    expect(() => encodeUserStatusChanged({ statuses: [bad] })).toThrow("UserStatus.statusType must be an int32, got 1");
  });

  it("names the field and the value in the message", () => {
    expect(() => encodeUserStatusChanged({ statuses: [status({ reason: 2 ** 31 })] })).toThrow(
      "UserStatus.reason must be an int32, got 2147483648",
    );
    expect(() => encodeUserStatusChanged({ statuses: [status({ version: -1n })] })).toThrow("UserStatus.version must be a uint64 bigint, got -1");
  });

  it("enum values outside 0-127 are written as ts-proto writes them (negative: 10 bytes; -0 omitted like 0)", () => {
    for (const value of [-1, 128, 2 ** 31 - 1, -(2 ** 31), -0]) {
      const notification = { statuses: [status({ statusType: value as UserStatus["statusType"], reason: value })] };
      expect(encodeUserStatusChanged(notification)).toEqual(UserStatusChangedNotification.encode(notification).finish());
    }
  });

  it("a device without deviceId (ts-proto would write the text \"undefined\")", () => {
    const bad = status({ onlineDevices: [{ platform: 1 } as unknown as UserStatus["onlineDevices"][number]] });
    expect(() => encodeUserStatusChanged({ statuses: [bad] })).toThrow(EncodeError);
  });

  it("request id outside uint32", () => {
    const frame: StatusFrame = { requestId: -1, body: { $case: "userStatusChanged", value: { statuses: [] } } };
    expect(() => Frame.encode(frame).finish()).toThrow();
    expect(() => encodeStatusFrame(frame)).toThrow(EncodeError);
    expect(() => encodeStatusFrame({ ...frame, requestId: 1n as unknown as number })).toThrow(EncodeError);
  });

  it("a frame with another body kind", () => {
    const frame = { requestId: 1, body: { $case: "ping", value: { clientTimeMs: 1n } } } as unknown as StatusFrame;
    expect(() => encodeStatusFrame(frame)).toThrow(EncodeError);
  });

  it("the encoder is usable after a rejected message", () => {
    const encoder = new StatusBatchEncoder();
    expect(() => encoder.encodeUserStatusChangedView({ statuses: [status({ version: -1n })] })).toThrow(EncodeError);
    const good = { statuses: [status()] };
    expect(encoder.encodeUserStatusChangedView(good)).toEqual(UserStatusChangedNotification.encode(good).finish());
  });
});
